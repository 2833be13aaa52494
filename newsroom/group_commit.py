"""Group commit: changes that arrive while a save is under way are saved together, in one transaction.

On PostgreSQL every save holds the events table's lock until its commit is flushed, so saves from concurrent
requests go one at a time however many threads there are. Here the first caller becomes the leader and
saves; callers arriving meanwhile queue up, and when the leader's save is done the first of them leads the
next save for everyone queued. One lock, one round of statements and one flush then serve many changes.

A batch never holds two changes to the same aggregate (the second waits for the next batch), so changes
that would conflict with each other are never put together. If a batch is refused anyway (another process
wrote one of its aggregates first), each change in it is saved on its own, so only the stale one fails.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

Change = TypeVar("Change")
Result = TypeVar("Result")

MAX_BATCH = 64


class _Waiting(Generic[Change, Result]):
    __slots__ = ("change", "error", "ids", "lead", "ready", "result")

    def __init__(self, change: Change, ids: frozenset[UUID]) -> None:
        self.change = change
        self.ids = ids
        self.ready = threading.Event()
        self.lead = False
        self.result: Result | None = None
        self.error: BaseException | None = None

    def outcome(self) -> Result:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class GroupCommit(Generic[Change, Result]):
    """``save(change, ids)`` blocks until the change is stored and returns what ``save_all`` gave for it.

    ``save_all(changes)`` stores a batch in one transaction and returns one result per change, in order;
    it raises ``IntegrityError`` when any change in the batch is refused (nothing is then stored).
    """

    def __init__(
        self, save_all: Callable[[Sequence[Change]], list[Result]], max_batch: int = MAX_BATCH
    ) -> None:
        self._save_all = save_all
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: deque[_Waiting[Change, Result]] = deque()
        self._saving = False

    def save(self, change: Change, ids: frozenset[UUID]) -> Result:
        waiting: _Waiting[Change, Result] = _Waiting(change, ids)
        with self._lock:
            self._queue.append(waiting)
            lead = not self._saving
            self._saving = True
        if not lead:
            waiting.ready.wait()
            if not waiting.lead:
                return waiting.outcome()
            waiting.ready.clear()
        self._lead()
        return waiting.outcome()

    def _lead(self) -> None:
        with self._lock:
            batch = self._take_batch()
        try:
            self._store(batch)
        finally:
            with self._lock:
                if self._queue:
                    # Hand over: the longest-waiting caller saves the next batch (its own change included).
                    successor = self._queue[0]
                    successor.lead = True
                    successor.ready.set()
                else:
                    self._saving = False
            for waiting in batch:
                waiting.ready.set()

    def _take_batch(self) -> list[_Waiting[Change, Result]]:
        """The queue's first change and every later one that touches none of the batch's aggregates."""
        batch: list[_Waiting[Change, Result]] = []
        taken: set[UUID] = set()
        kept: deque[_Waiting[Change, Result]] = deque()
        while self._queue and len(batch) < self._max_batch:
            waiting = self._queue.popleft()
            if taken.isdisjoint(waiting.ids):
                batch.append(waiting)
                taken |= waiting.ids
            else:
                kept.append(waiting)
        kept.extend(self._queue)
        self._queue = kept
        return batch

    def _store(self, batch: list[_Waiting[Change, Result]]) -> None:
        try:
            results = self._save_all([waiting.change for waiting in batch])
        except IntegrityError as error:
            if len(batch) == 1:
                batch[0].error = error
                return
            for waiting in batch:  # nothing was stored: find the change that was refused
                try:
                    waiting.result = self._save_all([waiting.change])[0]
                except Exception as own_error:
                    waiting.error = own_error
            return
        except Exception as error:
            for waiting in batch:
                waiting.error = error
            return
        for waiting, result in zip(batch, results, strict=True):
            waiting.result = result
