"""Rebuild a read model from position zero without taking the live one down.

The rebuild fills ``<table>__rebuild`` tables with their own tracking row while the live tables keep
serving; when it has caught up it swaps names and tracking in one transaction. A live projector running
meanwhile simply continues from the swapped-in position.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newsroom import Newsroom
from projections.documents import Projection
from projections.projector import Projector
from projections.sqlstore import REBUILD_SUFFIX, SQLReadModels


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
        store.drop_tables(projection, REBUILD_SUFFIX)
        store.create_tables(projection, REBUILD_SUFFIX)
    projector = Projector(app, store, chosen, batch_size=batch_size, suffix=REBUILD_SUFFIX)
    head = app.last_position()
    started = time.perf_counter()
    events = projector.catch_up(progress=(lambda at: progress(at, head)) if progress else None)
    seconds = time.perf_counter() - started
    events += projector.catch_up()  # whatever was written while rebuilding
    for projection in chosen:
        store.switch_to_rebuilt(projection)
    return RebuildReport(name=", ".join(p.name for p in chosen), events=events, seconds=seconds)
