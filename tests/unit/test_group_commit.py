"""Group commit: who gets batched with whom, and what each caller gets back when a batch fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from newsroom.group_commit import GroupCommit

Change = tuple[str, UUID]


class Store:
    """Records each batch. The first batch waits at a gate, so the test can queue callers behind it."""

    def __init__(self, refuse: set[str] | None = None, fail_once: Exception | None = None) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.refuse = refuse or set()
        self.fail_once = fail_once
        self._first = True

    def save_all(self, changes: Sequence[Change]) -> list[str]:
        if self._first:
            self._first = False
            assert self.gate.wait(5)
        names = [name for name, _ in changes]
        self.batches.append(names)
        if self.fail_once is not None:
            error, self.fail_once = self.fail_once, None
            raise error
        if self.refuse & set(names):
            raise IntegrityError("duplicate key")
        return [f"saved {name}" for name in names]


def run_queued(commits: GroupCommit[Change, str], store: Store, changes: list[Change]) -> list[object]:
    """Saves the first change (held at the gate), queues the rest behind it, then opens the gate."""

    def save(change: Change) -> object:
        try:
            return commits.save(change, frozenset({change[1]}))
        except Exception as error:
            return error

    with ThreadPoolExecutor(len(changes)) as pool:
        first = pool.submit(save, changes[0])
        wait_for(lambda: not store.gate.is_set() and commits._saving)
        rest = [pool.submit(save, change) for change in changes[1:]]
        wait_for(lambda: len(commits._queue) == len(changes) - 1)
        store.gate.set()
        return [first.result(5)] + [future.result(5) for future in rest]


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_changes_queued_behind_a_save_go_together_in_the_next_one() -> None:
    store = Store()
    commits: GroupCommit[Change, str] = GroupCommit(store.save_all)
    changes = [(f"c{n}", uuid4()) for n in range(6)]

    results = run_queued(commits, store, changes)

    assert results == [f"saved c{n}" for n in range(6)]
    assert store.batches[0] == ["c0"]
    assert sorted(store.batches[1]) == ["c1", "c2", "c3", "c4", "c5"]


def test_two_changes_to_one_aggregate_are_never_in_one_batch() -> None:
    store = Store()
    commits: GroupCommit[Change, str] = GroupCommit(store.save_all)
    shared = uuid4()
    changes = [("first", uuid4()), ("a1", shared), ("other", uuid4()), ("a2", shared)]

    results = run_queued(commits, store, changes)

    assert results == ["saved first", "saved a1", "saved other", "saved a2"]
    for batch in store.batches:
        assert not {"a1", "a2"} <= set(batch)
    assert store.batches.index(next(b for b in store.batches if "a1" in b)) < store.batches.index(
        next(b for b in store.batches if "a2" in b)
    )


def test_a_refused_batch_is_saved_change_by_change_so_only_the_stale_one_fails() -> None:
    store = Store(refuse={"stale"})
    commits: GroupCommit[Change, str] = GroupCommit(store.save_all)
    changes = [("first", uuid4()), ("ok1", uuid4()), ("stale", uuid4()), ("ok2", uuid4())]

    results = run_queued(commits, store, changes)

    assert results[:2] == ["saved first", "saved ok1"]
    assert isinstance(results[2], IntegrityError)
    assert results[3] == "saved ok2"
    assert ["stale"] in store.batches  # retried on its own after the batch was refused


def test_a_store_failure_reaches_every_caller_in_the_batch_and_the_next_save_works() -> None:
    store = Store(fail_once=OperationalError("connection refused"))
    commits: GroupCommit[Change, str] = GroupCommit(store.save_all)
    first = run_queued(commits, store, [("down", uuid4())])
    assert isinstance(first[0], OperationalError)

    assert commits.save(("later", uuid4()), frozenset({uuid4()})) == "saved later"


def test_batches_are_capped() -> None:
    store = Store()
    commits: GroupCommit[Change, str] = GroupCommit(store.save_all, max_batch=3)
    changes = [(f"c{n}", uuid4()) for n in range(8)]

    results = run_queued(commits, store, changes)

    assert results == [f"saved c{n}" for n in range(8)]
    assert max(len(batch) for batch in store.batches) == 3
    assert sorted(name for batch in store.batches for name in batch) == sorted(f"c{n}" for n in range(8))


@pytest.mark.parametrize("threads", [2, 16])
def test_many_callers_each_get_their_own_result(threads: int) -> None:
    store = Store()
    store.gate.set()
    commits: GroupCommit[Change, str] = GroupCommit(store.save_all)
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda n: commits.save((f"c{n}", uuid4()), frozenset()), range(500)))
    assert results == [f"saved c{n}" for n in range(500)]
    assert sum(len(batch) for batch in store.batches) == 500
