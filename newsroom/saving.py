"""Saving what commands recorded: several requests' changes in one transaction, the aggregate cache kept
as they were saved, snapshots taken from the copies just saved, and listeners told after each save.

Built on the library's public API: the event store's ``put``, the repository's cache, the snapshot store
and ``Snapshot.take``. ``Application.save`` does the same for one call; this saves changes collected
beforehand (a batch the store refuses leaves each change with its events, to be saved on its own), groups
the changes of concurrent threads (``newsroom.group_commit``) and snapshots from the copy in hand where
the library would read the aggregate back from the store in the middle of the save.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import Recording

from newsroom.group_commit import GroupCommit
from newsroom.sealing import Sealer, Secret
from newsroom.vault import Vault

Recordings = list[Recording[UUID]]


@dataclass
class Change:
    """What one request recorded: its aggregates' new events, the keys that seal their text, which are
    stored with them, and the prefixes of the keys an erasure destroys with them (``newsroom.sealing``)."""

    events: list[DomainEventProtocol[UUID]] = field(default_factory=list)
    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)
    secrets: list[Secret] = field(default_factory=list)
    shredded: list[str] = field(default_factory=list)


def collect(aggregates: Sequence[Aggregate]) -> Change:
    """The aggregates' pending events, and the keys sealing their text, as one change."""
    change = Change()
    for aggregate in aggregates:
        change.events.extend(aggregate.collect_events())
        change.aggregates[aggregate.id] = aggregate
        if isinstance(aggregate, Sealer):
            change.secrets.extend(aggregate.collect_secrets())
            change.shredded.extend(aggregate.collect_shredded())
    return change


class Saver:
    def __init__(
        self, app: Application[UUID], vault: Vault, snapshotting_intervals: Mapping[type[Any], int]
    ) -> None:
        self._events = app.events
        # The SQL recorders store secrets in the events' own transaction; the in-memory store has none.
        self._secrets_with_events = bool(getattr(app.recorder, "stores_secrets", False))
        self._vault = vault
        self._cache = app.repository.cache
        self._snapshots = app.snapshots
        self._intervals = snapshotting_intervals
        self._listeners: list[Callable[[int, int], None]] = []
        self._group: GroupCommit[Change, Recordings] = GroupCommit(self.save_together)

    def on_saved(self, listener: Callable[[int, int], None]) -> None:
        """Calls ``listener(position, events)`` after each save: the newest position and how many events
        the save stored."""
        self._listeners.append(listener)

    def save(self, aggregates: Sequence[Aggregate]) -> Recordings:
        """Saves the aggregates' pending events (and the keys sealing their text) in one transaction,
        which may also hold other threads' changes (group commit); IntegrityError when another writer
        saved one of them first."""
        change = collect(aggregates)
        return self._group.save(change, frozenset(change.aggregates))

    def save_together(self, changes: Sequence[Change]) -> list[Recordings]:
        """Stores several changes, each to different aggregates, in one transaction; each one's
        recordings, in order. IntegrityError when any is refused: then nothing was stored."""
        events = [event for change in changes for event in change.events]
        secrets = [secret for change in changes for secret in change.secrets]
        shredded = [prefix for change in changes for prefix in change.shredded]
        if self._secrets_with_events and (secrets or shredded):
            recordings: Recordings = self._events.put(events, secrets=secrets, shred=shredded)
        else:
            recordings = self._events.put(events)
            # In memory (no transactions): the keys only once their events are in, or a refused writer's
            # key could replace the one the accepted event was sealed with (both name the same item and
            # version).
            for name, secret in secrets:
                self._vault.put(name, secret)
            for prefix in shredded:
                self._vault.delete_prefix(prefix)
        for change in changes:
            for aggregate_id, aggregate in change.aggregates.items():
                if self._cache is not None:
                    self._cache.put(aggregate_id, aggregate)
                self._snapshot(aggregate_id, aggregate, change)
        if recordings:
            position = recordings[-1].notification.id
            for listener in self._listeners:
                listener(position, len(recordings))
        split: list[Recordings] = []
        start = 0
        for change in changes:
            split.append(recordings[start : start + len(change.events)])
            start += len(change.events)
        return split

    def _snapshot(self, aggregate_id: UUID, aggregate: Any, change: Change) -> None:
        """A snapshot of the copy just saved when one of its events reached a multiple of its interval."""
        interval = self._intervals.get(type(aggregate))
        if self._snapshots is None or interval is None:
            return
        if any(
            event.originator_id == aggregate_id and event.originator_version % interval == 0
            for event in change.events
        ):
            self._snapshots.put([cast("Aggregate", aggregate).Snapshot.take(aggregate)])
