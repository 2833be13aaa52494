"""What every fan-out backend is: published to by the projector, listened to by web processes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from web.fanout.wire import Published

Deliver = Callable[[Published], None]


class Backend(Protocol):
    def publish(self, published: Published) -> None: ...

    async def listen(self, deliver: Deliver) -> None:
        """Until cancelled."""

    def close(self) -> None: ...
