"""Runs projections: reads the event log in batches and applies each batch to each read model exactly once.

One projector per database: ``hold_runner_lock`` makes a second one wait as a standby (or give up). It is
woken by the application's saves in this process, by PostgreSQL's NOTIFY from other processes, and by a
poll as the fallback (SQLite has no notifications). After each committed batch it hands the new timeline
items to its listeners: that is where fan-out to readers starts.

Positions in PostgreSQL can have gaps (a failed insert consumes one), but inserts take a table lock, so
positions commit in order: reading "everything after the last applied position" neither stalls on a gap
nor skips an event that commits late.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification, OperationalError

from newsroom import Newsroom, richtext
from newsroom.article import ERASURES
from projections.documents import Projection, TimelineItem
from projections.records import Recorded, open_texts, parse_state
from projections.registry import ALL_PROJECTIONS, ReadModels
from projections.scheduler import Scheduler
from projections.sqlstore import SQLReadModels, Work

log = logging.getLogger("newsroom.projector")

# Called with a batch's new timeline items and the position of the last item published before them (None
# when this projector has published nothing yet), so receivers can tell a gap from a repeat.
TimelineListener = Callable[[list[TimelineItem], int | None], None]


@dataclass
class Projector:
    app: Newsroom
    store: SQLReadModels
    projections: Sequence[Projection] = ALL_PROJECTIONS
    batch_size: int = 1000
    suffix: str = ""  # "" for the live read models, REBUILD_SUFFIX while rebuilding
    poll_interval: float = 1.0
    # After a batch of several events (writes are arriving faster than batches end), wait this long before
    # the next read so that it takes more at once: a batch's fixed cost (a read, a transaction, a publish)
    # is most of the work when it holds a few events. A lone event never waits.
    gather: float = 0.004
    wake: threading.Event = field(default_factory=threading.Event)
    listeners: list[TimelineListener] = field(default_factory=list)
    # Says it is running this often (``SQLReadModels.beat``), so readiness can tell a projector that
    # stopped making progress from one with nothing to do.
    beat_every: float = 2.0

    def __post_init__(self) -> None:
        self._topics = frozenset().union(*(p.topics for p in self.projections if p.topics is not None))
        self._every_record = any(p.topics is None for p in self.projections)
        # Read models that read every record of a batch as ``_records`` makes it: no filtering for them.
        self._reads_every_record = frozenset(
            p.name
            for p in self.projections
            if p.topics is None or (p.topics == self._topics and not self._every_record)
        )
        self._published: int | None = None
        self._beaten = 0.0
        self._scrub_due = False  # an erasure was projected: the store's files are to be scrubbed of it
        self.events_read = 0  # notifications read by every catch_up so far, whether it returned or failed
        # Where each read model stands, as this projector last wrote it: a batch checks it in its own
        # transaction, so it is only read from the store at the start and after a stale batch.
        self._positions: dict[str, int] | None = None

    def positions(self) -> dict[str, int]:
        if self._positions is None:
            self._positions = self.store.positions([p.name for p in self.projections], self.suffix)
        return dict(self._positions)

    def catch_up(self, *, until: int | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Applies everything after the read models' positions (up to ``until``); returns events read."""
        read = 0
        while True:
            positions = self.positions()
            start = min(positions.values()) + 1
            if until is not None and start > until:
                return read
            notifications = self.app.recorder.select_notifications(
                start=start, limit=self.batch_size, stop=until
            )
            if not notifications:
                return read
            last = notifications[-1].id
            records = self._records(notifications)
            work: list[Work] = []
            for projection in self.projections:
                applied = positions[projection.name]
                if applied >= last:
                    continue
                topics = projection.topics
                if applied < start and projection.name in self._reads_every_record:
                    events = records  # already just the records it reads
                else:
                    events = [
                        record
                        for record in records
                        if record.position > applied and (topics is None or record.topic in topics)
                    ]
                work.append((projection, events, applied))
            try:
                timeline = self.store.process(work, last, self.suffix)
            except IntegrityError:
                # Another runner, or a rebuild, moved a read model on; re-read the positions.
                log.info("batch up to %s was stale; re-reading", last)
                self._positions = None
                continue
            except BaseException:
                self._positions = None  # the commit may or may not have happened
                raise
            assert self._positions is not None
            self._positions.update((projection.name, last) for projection, _, _ in work)
            if any(record.topic in ERASURES for record in records):
                richtext.forget()  # this process's rendering cache held the erased words
                self._scrub_due = True
            if timeline:
                previous, self._published = self._published, timeline[-1].position
                for listener in self.listeners:
                    try:
                        listener(timeline, previous)
                    except Exception:  # a fan-out failure must never stop the projection
                        log.exception("a timeline listener failed")
            read += len(notifications)
            self.events_read += len(notifications)
            self.beat()
            if progress is not None:
                progress(last)
            if until is None and len(notifications) < self.batch_size:
                # The log's end as of this batch's read: whatever was saved after it has woken the runner
                # again (a save, a NOTIFY or the poll), so asking now would mostly find nothing.
                self.scrub_if_due()
                return read

    def beat(self) -> None:
        """Says it is running (at most every ``beat_every`` seconds; live read models only)."""
        now = time.monotonic()
        if not self.suffix and now - self._beaten >= self.beat_every:
            self.store.beat(int(time.time() * 1000))
            self._beaten = now

    def scrub_if_due(self) -> None:
        """Scrubs the store's files once an erasure is projected; tried again each round until it is done
        (a SQLite reader holding the write-ahead log can put it off for a moment)."""
        if self._scrub_due and self.store.scrub():
            self._scrub_due = False

    def _records(self, notifications: Sequence[Notification]) -> list[Recorded]:
        """The batch as projections read it: parsed once for all, and only the records one of them reads
        (every record when one reads them all, as stored)."""
        mapper, topics, every = self.app.mapper, self._topics, self._every_record
        records = [
            Recorded(
                n.id,
                n.originator_id.hex if isinstance(n.originator_id, UUID) else n.originator_id,
                n.originator_version,
                n.topic,
                n.state,
                parse_state(mapper, n.state) if n.topic in topics else {},
            )
            for n in notifications
            if every or n.topic in topics
        ]
        open_texts(records, self.app.vault)
        return records

    def run(self, stop: threading.Event) -> None:
        """Catches up whenever woken, until ``stop`` is set. Store outages are retried, never fatal."""
        self.app.on_saved(lambda _position, _events: self.wake.set())
        backoff = 0.1
        while not stop.is_set():
            self.wake.clear()
            try:
                self.beat()
                read = self.catch_up()
                backoff = 0.1
                if read > 1 and self.gather:
                    stop.wait(self.gather)
            except (OperationalError, OSError) as error:
                log.warning("projector cannot reach the store (%s); retrying in %.1f s", error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            self.wake.wait(0.2 if self._scrub_due else self.poll_interval)
            if self._scrub_due:
                try:
                    self.scrub_if_due()
                except (OperationalError, OSError) as error:
                    log.warning("scrubbing after an erasure failed (%s); trying again", error)


def run_projector(
    projector: Projector, stop: threading.Event, *, standby: bool = True, say: Callable[[str], None] = print
) -> bool:
    """Holds the runner lock (waiting as a standby if another projector has it) and runs until stopped.

    Returns False at once when another projector holds the lock and ``standby`` is off.
    """
    with projector.store.runner_lock() as lock:
        if not lock.acquire(blocking=False):
            if not standby:
                say("another projector is already running on this database; exiting")
                return False
            say("another projector is already running on this database; waiting as a standby")
            while not lock.acquire(blocking=False):
                if stop.wait(2.0):
                    return True
            say("the other projector stopped; taking over")
        listener = projector.store.start_listening(projector.wake, stop)
        # Where the one projector runs, the one scheduler runs too (projections.scheduler).
        scheduler = threading.Thread(
            target=Scheduler(projector.app, cast("ReadModels", projector.store)).run,
            args=(stop,),
            name="scheduler",
            daemon=True,
        )
        scheduler.start()
        try:
            projector.run(stop)
        finally:
            scheduler.join(timeout=5)
            if listener is not None:
                listener.join(timeout=5)
    return True
