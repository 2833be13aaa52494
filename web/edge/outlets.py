"""What the projector tells after each batch: the caches, which let go of what changed, and the GRIP
proxies, which tell their readers, all at once (each is a request or two away, and none should wait for
another); then the fan-out backend, through which every web process tells its own. A purge takes well
under a millisecond a URL and a proxy's delivery tens of them, so a reader told of a change who reloads
gets the new page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait

from projections.documents import TimelineItem
from projections.projector import TimelineListener
from web.edge.purge import Labels, PurgeOnChange, purgers_for
from web.fanout.backends import Backend
from web.fanout.wire import Published
from web.settings import Settings


def projector_listeners(
    settings: Settings, read_models: Labels, backend: Backend | None
) -> tuple[list[TimelineListener], Callable[[], None]]:
    """The listeners, and what closes them."""
    edges: list[TimelineListener] = []
    closers: list[Callable[[], None]] = []
    if settings.purge_url:
        for purger in purgers_for(settings.purge_url):
            purge = PurgeOnChange([purger], read_models)
            edges.append(purge)
            closers.append(purge.close)
    if settings.grip_proxies:
        # Imported only here: its frames are sse-starlette's, which loads Starlette, and a projector
        # that publishes to no proxy needs none of it.
        from web.edge.publish import GripPublisher

        edges.extend(GripPublisher([proxy], settings.embeds) for proxy in settings.grip_proxies)
    listeners: list[TimelineListener] = []
    if len(edges) == 1:
        listeners.extend(edges)
    elif edges:
        together = Together(edges)
        listeners.append(together)
        closers.append(together.close)
    if backend is not None:
        listeners.append(lambda items, previous: backend.publish(Published(items, previous)))

    def close() -> None:
        for closer in closers:
            closer()

    return listeners, close


class Together:
    """Listeners run side by side, each batch waiting for all of them (none raises: each logs)."""

    def __init__(self, listeners: Sequence[TimelineListener]) -> None:
        self._listeners = tuple(listeners)
        self._pool = ThreadPoolExecutor(len(self._listeners), thread_name_prefix="edge")

    def __call__(self, items: list[TimelineItem], previous: int | None) -> None:
        wait([self._pool.submit(listener, items, previous) for listener in self._listeners])

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
