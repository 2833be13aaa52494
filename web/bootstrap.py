"""How a process that projects is put together, the same for ``newsroom serve`` (the embedded projector)
and ``newsroom project`` (a projector of its own): the projector, and everything told after each of its
batches (the caches to purge, the GRIP proxies, the fan-out backend)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newsroom import Newsroom
from projections.projector import Projector
from projections.registry import ReadModels
from web.edge.outlets import projector_listeners
from web.fanout.backends import Backend
from web.settings import Settings


@dataclass(frozen=True)
class Projecting:
    projector: Projector
    close: Callable[[], None]  # what the listeners hold (their pools), once the projector has stopped


def projecting(
    settings: Settings,
    app: Newsroom,
    read_models: ReadModels,
    backend: Backend | None,
    batch_size: int = 1000,
) -> Projecting:
    projector = Projector(app, read_models, batch_size=batch_size)
    listeners, close = projector_listeners(settings, read_models, backend)
    projector.listeners.extend(listeners)
    return Projecting(projector, close)
