"""What the projector tells after each batch, in this order: the caches, which let go of what changed (so a
reader told of a change who reloads gets the new page), the GRIP proxies, which tell their readers, and
the fan-out backend, through which every web process tells its own."""

from __future__ import annotations

from collections.abc import Callable

from projections.projector import TimelineListener
from web.edge.purge import Labels, PurgeOnChange, purgers_for
from web.fanout.backends import Backend
from web.fanout.wire import Published
from web.settings import Settings


def projector_listeners(
    settings: Settings, read_models: Labels, backend: Backend | None
) -> tuple[list[TimelineListener], Callable[[], None]]:
    """The listeners, and what closes them."""
    listeners: list[TimelineListener] = []
    closers: list[Callable[[], None]] = []
    if settings.purge_url:
        purge = PurgeOnChange(purgers_for(settings.purge_url), read_models)
        listeners.append(purge)
        closers.append(purge.close)
    if settings.grip_proxies:
        # Imported only here: its frames are sse-starlette's, which loads Starlette, and a projector
        # that publishes to no proxy needs none of it.
        from web.edge.publish import GripPublisher

        listeners.append(GripPublisher(settings.grip_proxies, settings.embeds))
    if backend is not None:
        listeners.append(lambda items, previous: backend.publish(Published(items, previous)))

    def close() -> None:
        for closer in closers:
            closer()

    return listeners, close
