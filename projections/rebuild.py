"""Rebuild a read model from position zero without taking the live one down.

The rebuild fills ``<table>__rebuild`` tables with their own tracking row while the live tables keep
serving; when it has caught up it indexes them and swaps names and tracking in one transaction. A live
projector running meanwhile simply continues from the swapped-in position.

Read models are independent of each other, so ``rebuild_in_processes`` rebuilds several at once in
processes side by side (Python runs one thread at a time per process), and reports progress from the
rebuild tracking rows the processes commit. With fewer processes than read models, the heaviest ones get a
process each and the rest share the last one in one pass, reading and parsing the log once for all of them
(front page, moderation and audit tree: 8.2-9.4 s one after another, 5.1-6.2 s in one pass, on 100,000
events).

A rebuild waits out what the store refuses for a while: on SQLite another rebuilding process indexing a
million rows holds the one write lock longer than a write waits for it, and on PostgreSQL a restart is a
brief outage. Each step is safe to repeat: a batch that failed kept nothing and is read again.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from eventsourcing.persistence import OperationalError

from newsroom import Newsroom
from projections.documents import Projection
from projections.projector import Projector
from projections.registry import BY_NAME, open_read_models
from projections.sql_schema import REBUILD_SUFFIX
from projections.sqlstore import SQLReadModels

log = logging.getLogger("newsroom.rebuild")
P = ParamSpec("P")
T = TypeVar("T")
PATIENCE = 600.0  # seconds a rebuild waits on a store that refuses it before it gives up


@dataclass(frozen=True)
class RebuildReport:
    name: str
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def rebuild(
    app: Newsroom,
    store: SQLReadModels,
    projections: Projection | Sequence[Projection],
    *,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Replays the whole log into fresh tables, then makes them live. ``progress(position, head)``.

    Several read models rebuild in one pass over the log: each batch is read and decoded once for all.
    """
    chosen = list(projections) if isinstance(projections, Sequence) else [projections]
    for projection in chosen:
        _patiently(store.drop_tables, projection, REBUILD_SUFFIX)
        _patiently(store.create_tables, projection, REBUILD_SUFFIX, indexes=False)
    projector = Projector(app, store, chosen, batch_size=batch_size, suffix=REBUILD_SUFFIX)
    head = _patiently(app.last_position)
    started = time.perf_counter()
    _patiently(projector.catch_up, progress=(lambda at: progress(at, head)) if progress else None)
    for projection in chosen:
        _patiently(store.index_rebuilt, projection)
    _patiently(projector.catch_up)  # whatever was written while rebuilding
    for projection in chosen:
        _patiently(store.switch_to_rebuilt, projection)
    # Indexing and switching count: the figure is what the whole rebuild took.
    seconds = time.perf_counter() - started
    return RebuildReport(
        name=", ".join(p.name for p in chosen), events=projector.events_read, seconds=seconds
    )


def _patiently(step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs a step of the rebuild, again and again while the store refuses it, for up to PATIENCE."""
    deadline = time.monotonic() + PATIENCE
    pause = 0.1
    while True:
        try:
            return step(*args, **kwargs)
        except OperationalError as error:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("rebuild waits for the store (%s); trying again in %.1f s", error, pause)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def rebuild_in_processes(
    url: str,
    names: Sequence[str],
    *,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Rebuilds the named read models, heaviest first, in ``workers`` processes side by side: the first
    ``workers - 1`` each alone, the rest together in one pass. ``progress(position, head)`` gets the
    average position of them all."""
    app = Newsroom.from_url(url)
    try:
        store = open_read_models(app)
        head = app.last_position()
        started = time.perf_counter()
        # Spawned, not forked: a fork would copy this process's open database connections.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending = {pool.submit(_rebuild_group, url, group): group for group in _groups(names, workers)}
            events = 0
            while pending:
                done, _ = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                for future in done:
                    del pending[future]
                    if future.exception() is not None:
                        pool.shutdown(cancel_futures=True)  # those not started yet never start
                    events = max(events, future.result())  # a failed rebuild fails them all, with its error
                if progress is not None and pending:
                    # The share of the whole work done: read models not started yet count as 0.
                    unfinished = [name for group in pending.values() for name in group]
                    positions = store.positions(unfinished, REBUILD_SUFFIX)
                    finished = len(names) - len(unfinished)
                    progress((finished * head + sum(positions.values())) // len(names), head)
        seconds = time.perf_counter() - started
    finally:
        app.close()
    if progress is not None:
        progress(head, head)
    return RebuildReport(name=", ".join(names), events=events, seconds=seconds)


def _groups(names: Sequence[str], workers: int) -> list[list[str]]:
    """What each process rebuilds: ``["a", "b", "c", "d"]`` in 2 -> ``[["a"], ["b", "c", "d"]]``."""
    alone = max(workers, 1) - 1
    groups = [[name] for name in names[:alone]]
    return groups + ([list(names[alone:])] if names[alone:] else [])


def _rebuild_group(url: str, names: list[str]) -> int:
    app = Newsroom.from_url(url)
    try:
        return rebuild(app, open_read_models(app), [BY_NAME[name] for name in names]).events
    finally:
        app.close()
