"""One process: the embedded projector's thread hands each batch to the process's event loop."""

from __future__ import annotations

import asyncio

from web.fanout.backends.interface import Deliver
from web.fanout.wire import Published


class MemoryBackend:
    def __init__(self) -> None:
        self._heard: tuple[asyncio.AbstractEventLoop, Deliver] | None = None

    def publish(self, published: Published) -> None:
        """From any thread; dropped until someone listens (the feed catches up when it starts)."""
        heard = self._heard
        if heard is not None:
            loop, deliver = heard
            loop.call_soon_threadsafe(deliver, published)

    async def listen(self, deliver: Deliver) -> None:
        self._heard = (asyncio.get_running_loop(), deliver)
        deliver(Published([], None))
        try:
            await asyncio.Event().wait()  # until cancelled
        finally:
            self._heard = None

    def close(self) -> None:
        self._heard = None
