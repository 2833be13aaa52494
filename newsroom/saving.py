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
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording

from newsroom.group_commit import GroupCommit

Change = ProcessingEvent[UUID]
Recordings = list[Recording[UUID]]


def collect(aggregates: Sequence[Aggregate]) -> Change:
    """The aggregates' pending events as one change. What ``ProcessingEvent.collect_events`` does, without
    its two runtime protocol checks per aggregate (~12 us each on Python 3.11): these are aggregates."""
    change: Change = ProcessingEvent()
    for aggregate in aggregates:
        change.events.extend(aggregate.collect_events())
        change.aggregates[aggregate.id] = aggregate
    return change


class Saver:
    def __init__(self, app: Application[UUID], snapshotting_intervals: Mapping[type[Any], int]) -> None:
        self._events = app.events
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
        """Saves the aggregates' pending events in one transaction, which may also hold other threads'
        changes (group commit); IntegrityError when another writer saved one of them first."""
        change = collect(aggregates)
        return self._group.save(change, frozenset(change.aggregates))

    def save_together(self, changes: Sequence[Change]) -> list[Recordings]:
        """Stores several changes, each to different aggregates, in one transaction; each one's
        recordings, in order. IntegrityError when any is refused: then nothing was stored."""
        events = [event for change in changes for event in change.events]
        recordings: Recordings = self._events.put(events)
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
