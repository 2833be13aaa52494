"""Read models in SQL tables beside the events: the store both backends share, which knows no read model.

A backend (``projections.sqlite``, ``projections.postgres``) mixes ``SQLReadModels`` into the library's
tracking recorder for its database and supplies the dialect (``projections.sql_schema``: the tables' names
and statements). Everything a batch changes and the projection's tracking position are written in one
transaction (``process``, with ``projections.unit_of_work``), so an event is applied exactly once; tables
are made, emptied and swapped for rebuilt ones by ``projections.rebuild_swap``. Each read model's queries are
its own (``*_queries.py`` beside it); ``projections.registry`` puts a backend and every read model's queries
together.
"""

from __future__ import annotations

import contextlib
import threading
import time
from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import orjson
from eventsourcing.persistence import IntegrityError, OperationalError, ProgrammingError

from projections.documents import Doc, Projection, Table, TimelineItem
from projections.rebuild_swap import RebuildSwap
from projections.records import Recorded
from projections.unit_of_work import UnitOfWork

SMALL_BATCH = 20  # events: a live batch, whose writes are few rows each


class RunnerLock(Protocol):
    def acquire(self, *, blocking: bool) -> bool: ...


# A read model, the events it has not applied yet, and the position it has applied up to.
Work = tuple[Projection, Sequence[Recorded], int]


class SQLReadModels(RebuildSwap):
    """The unit of work, positions, the projector's heartbeat and queries, shared by the SQLite and
    PostgreSQL read-model stores."""

    # Apply a batch before taking the write lock, not inside the writing transaction: for a database
    # with one writer at a time, whose reads cost no round trip.
    applies_before_writing: ClassVar[bool] = False
    datastore: Any

    # -- dialect -----------------------------------------------------------------------------------

    if TYPE_CHECKING:  # provided by the library's tracking recorder that each backend mixes in

        def max_tracking_id(self, application_name: str) -> int | None: ...

    def opening(
        self, cursor: Any, queries: list[tuple[str, Sequence[Any]]], *, snapshot: bool = False
    ) -> list[list[Any]]:
        """Runs the queries a batch's transaction starts with and returns each one's rows. A backend with
        round trips to save sends them together (and may set the transaction up first). With
        ``snapshot``, every query sees the same commits (SQLite's read transaction always does)."""
        answers = []
        for statement, params in queries:
            cursor.execute(statement, params)
            answers.append(list(cursor.fetchall()))
        return answers

    def pipelined(self, cursor: Any, *, small: bool) -> AbstractContextManager[object]:
        """Where the driver can, sends a small batch's writes together rather than one round trip each."""
        return contextlib.nullcontext()

    @abstractmethod
    def plain_rows(self, cursor: Any, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Runs a query whose rows are many: as plain tuples, by the driver's cheapest path."""

    def upsert_rows(self, cursor: Any, table: Table, suffix: str, rows: list[tuple[Any, ...]]) -> None:
        """Rows are (key, encoded doc, *column values); keys are unique within one call."""
        cursor.executemany(self.upsert_statement(table, suffix), rows)

    def delete_rows(self, cursor: Any, table: Table, suffix: str, keys: list[str]) -> None:
        cursor.executemany(
            self.sql(f"DELETE FROM {self.table(table, suffix)} WHERE key = ?"), [(k,) for k in keys]
        )

    def scrub(self) -> bool:
        """Whatever the backend does, once an erasure is projected, so that no copy of the erased text is
        left in its files; False when it must be tried again later. (PostgreSQL: nothing here; its dead
        rows are the maintenance step ``newsroom scrub`` rewrites.)"""
        return True

    def rewrite_files(self) -> list[str]:
        """Rewrites what may still hold freed copies of erased text; names what it rewrote."""
        raise NotImplementedError

    # -- writing -----------------------------------------------------------------------------------

    def process(self, work: Sequence[Work], last_position: int, suffix: str = "") -> list[TimelineItem]:
        """Applies a batch to each read model in ``work`` and records ``last_position`` for each, all in one
        transaction (one commit for every read model); returns the new timeline items.

        The transaction first moves the read models' tracking rows on, only where they still say where the
        batch was computed from (which locks them until the commit): if any had moved (another projector,
        or a rebuild that swapped tables in meanwhile), the library's IntegrityError is raised and nothing
        of the batch is kept.
        """
        if not work:
            return []
        names = [self.tracking(projection.name, suffix) for projection, _, _ in work]
        # The library's single-row tracking: each read model's row moves on to the batch's last position,
        # only if it still holds the position the batch was computed from.
        check = (
            self.sql(
                f"UPDATE {self.tracking_table} SET notification_id = ? WHERE "
                + " OR ".join("(application_name = ? AND notification_id = ?)" for _ in work)
                + " RETURNING application_name"
            ),
            [
                last_position,
                *(
                    value
                    for name, (*_, applied) in zip(names, work, strict=True)
                    for value in (name, applied)
                ),
            ],
        )
        batch = UnitOfWork(self, suffix)
        slots = (
            slot for projection, events, _ in work for event in events for slot in projection.reads(event)
        )
        if self.applies_before_writing:
            # One writer at a time (SQLite): read and apply under a read transaction, which blocks nobody,
            # and hold the write lock only to check the positions and write. Documents read early are still
            # current if the positions are: whoever changes a read model moves its position in the same
            # transaction.
            with self.datastore.transaction(commit=False) as cursor:
                batch.cursor = cursor
                prefetch = batch.prefetch(slots)
                if prefetch is not None:
                    batch.fetched(self.opening(cursor, [prefetch])[0])
                for projection, events, _ in work:
                    projection.apply(batch, events)
            with self.datastore.transaction(commit=True) as cursor:
                self._check_positions(self.opening(cursor, [check])[0], names)
                batch.flush(cursor)
            return batch.timeline
        with self.datastore.transaction(commit=True) as cursor:
            batch.cursor = cursor
            # Every document the batch will read, asked for with the position check: for a live batch on
            # PostgreSQL, that is one round trip before the projections run instead of one per document.
            prefetch = batch.prefetch(slots)
            answers = self.opening(cursor, [check] if prefetch is None else [check, prefetch])
            self._check_positions(answers[0], names)
            if prefetch is not None:
                batch.fetched(answers[1])
            for projection, events, _ in work:
                projection.apply(batch, events)
            small = sum(len(events) for _, events, _ in work) < SMALL_BATCH * len(work)
            with self.pipelined(cursor, small=small):
                batch.flush(cursor)
        return batch.timeline

    @staticmethod
    def _check_positions(moved: list[Any], names: list[str]) -> None:
        if len(moved) != len(names):
            raise IntegrityError(f"{', '.join(names)}: a position moved on; the batch is stale")

    def position(self, projection: str, suffix: str = "") -> int:
        return self.max_tracking_id(self.tracking(projection, suffix)) or 0

    def positions(self, projections: Sequence[str], suffix: str = "") -> dict[str, int]:
        """Every named read model's position in one query (the projector asks before each batch)."""
        names = {self.tracking(name, suffix): name for name in projections}
        rows = self._rows(
            f"SELECT application_name, MAX(notification_id) AS position FROM {self.tracking_table} "
            f"WHERE application_name IN ({', '.join('?' for _ in names)}) GROUP BY application_name",
            list(names),
        )
        found = {names[row["application_name"]]: int(row["position"] or 0) for row in rows}
        return {name: found.get(name, 0) for name in projections}

    def wait_for(self, position: int, timeout: float, projection: str = "article-pages") -> bool:
        """Read-your-writes: waits until ``projection`` has applied ``position``; False on timeout."""
        deadline = time.monotonic() + timeout
        pause = 0.002
        while self.position(projection) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return True

    # -- rebuild -----------------------------------------------------------------------------------

    @property
    def beats_table(self) -> str:
        """Where the running projector says, every few seconds, that it is running (``beat``)."""
        return self.table(Table("newsroom_projector_beats"))

    def beat(self, at_ms: int) -> None:
        # Made here, by the one projector, not where every process opens the store: a schema change
        # there met a rebuild's write lock on SQLite at once (a read transaction cannot wait to write).
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.beats_table} "
                f"(key TEXT PRIMARY KEY, at_ms {self.types['int']})"
            )
            cursor.execute(
                self.sql(
                    f"INSERT INTO {self.beats_table} (key, at_ms) VALUES ('projector', ?) "
                    "ON CONFLICT (key) DO UPDATE SET at_ms = excluded.at_ms"
                ),
                (at_ms,),
            )

    def last_beat(self) -> int | None:
        """When the projector last said it was running (ms since the epoch), if ever."""
        try:
            rows = self._rows(f"SELECT at_ms FROM {self.beats_table} WHERE key = 'projector'")
        except (ProgrammingError, OperationalError) as error:
            if "no such table" in str(error) or "does not exist" in str(error):
                return None  # no projector has run on this store yet
            raise
        return int(rows[0]["at_ms"]) if rows else None

    # -- running one projector at a time (backend-specific) ----------------------------------------

    @abstractmethod
    def runner_lock(self) -> AbstractContextManager[RunnerLock]:
        """A lock that only one projector per database can hold; released if its process dies."""

    @abstractmethod
    def start_listening(self, wake: threading.Event, stop: threading.Event) -> threading.Thread | None:
        """Sets ``wake`` whenever another process appends events, where the database can tell."""

    # -- queries -----------------------------------------------------------------------------------

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(statement), tuple(params))
            return list(cursor.fetchall())

    def dump(self, projection: Projection, suffix: str = "") -> dict[str, list[tuple[str, Doc]]]:
        """Every row of a read model, sorted: for comparing a live read model with a rebuilt one."""
        return {
            table.name: [
                (row["key"], orjson.loads(row["doc"]))
                for row in self._rows(f"SELECT key, doc FROM {self.table(table, suffix)} ORDER BY key")
            ]
            for table in projection.tables
        }
