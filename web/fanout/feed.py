"""Feeding the hub: pushed batches in order, with the live-items read model filling any gap.

Every web process runs one ``Feed``. Batches arrive from the projector through a backend
(``web.fanout.backends``: in-process, or ONE Redis subscription); each carries the position of the last
item published before it. The feed hands a batch to the hub only when it follows on from what the hub
has; otherwise (a message lost while Redis reconnected, a projector restart, a process that just started)
it first reads what changed after the hub's position from the read model, which is the source of truth,
as each item stands now. A periodic read also picks up a lost final message. So readers get every change
once, in order, whatever Redis does.
"""

from __future__ import annotations

import asyncio
import logging

from projections.catch_up import CatchUp
from projections.registry import ReadModels
from web.concurrency import blocking
from web.fanout.hub import Hub
from web.fanout.wire import Published

log = logging.getLogger("newsroom.fanout")

CATCH_UP_PAGE = 1000


class Feed:
    def __init__(
        self, hub: Hub, read_models: ReadModels, *, poll_interval: float = 1.0, queue_size: int = 10_000
    ) -> None:
        self.hub = hub
        self.read_models = read_models
        self.poll_interval = poll_interval
        # Bounded: if the pump ever falls this far behind, batches are dropped and a catch-up fills in.
        self._queue: asyncio.Queue[Published] = asyncio.Queue(maxsize=queue_size)
        self._lost = False
        self.catch_ups = 0

    def offer(self, batch: Published) -> None:
        """Queues a pushed batch (event loop only)."""
        try:
            self._queue.put_nowait(batch)
        except asyncio.QueueFull:
            self._lost = True

    async def start(self) -> None:
        """Starts at the newest change: readers who want older ones ask with Last-Event-ID."""
        self.hub.last_position = await blocking(self.read_models.live_head)

    async def run(self) -> None:
        """The pump: one batch at a time, in order, until cancelled or the hub closes."""
        while not self.hub.closing:
            try:
                batch = await asyncio.wait_for(self._queue.get(), timeout=self.poll_interval)
            except TimeoutError:
                await self._catch_up()  # a lost final message shows up here within a poll interval
                continue
            if self._lost or (batch.previous != self.hub.last_position and not self._repeats(batch)):
                self._lost = False
                await self._catch_up()
            self.hub.dispatch(batch.items)  # items the catch-up already delivered are ignored as repeats

    def _repeats(self, batch: Published) -> bool:
        """True when the batch starts at or before what the hub has: nothing is missing before it."""
        return batch.previous is not None and batch.previous < self.hub.last_position

    async def _catch_up(self) -> None:
        """Whatever changed after the hub's position, as it stands now: the same as a resuming reader
        gets (``projections.catch_up``), so a gap never shows anyone a state since hidden."""
        try:
            catch_up = CatchUp(self.read_models, self.hub.last_position, page=CATCH_UP_PAGE)
            while (messages := await blocking(catch_up.next_page)) is not None:
                if messages:
                    self.catch_ups += 1
                    self.hub.dispatch(messages, pushed=False)
        except Exception as error:  # the store may be down; the next poll tries again
            log.warning("catch-up from the read model failed: %s", error)
