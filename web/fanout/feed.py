"""Feeding the hub: pushed batches in order, with the live-items read model filling any gap.

Every web process runs one ``Feed``. Batches arrive from the projector, in-process (embedded setup) or
through ONE Redis subscription (production); each carries the position of the last item published before
it. The feed hands a batch to the hub only when it follows on from what the hub has; otherwise (a message
lost while Redis reconnected, a projector restart, a process that just started) it first reads what changed
after the hub's position from the read model, which is the source of truth, as each item stands now. A
periodic read also picks up a lost final message. So readers get every change once, in order, whatever
Redis does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import redis
from redis.asyncio import Redis

from projections.catch_up import CatchUp
from projections.documents import TimelineItem
from projections.sqlstore import SQLReadModels
from web.concurrency import blocking
from web.fanout.hub import Hub

log = logging.getLogger("newsroom.fanout")

CATCH_UP_PAGE = 1000


@dataclass(frozen=True)
class Batch:
    items: list[TimelineItem]
    previous: int | None  # the position published just before these; None when unknown


def encode_batch(batch: Batch) -> bytes:
    """One Redis message per batch: a header line, then one line per item (orjson never writes newlines)."""
    header = b"%d" % (batch.previous if batch.previous is not None else -1)
    lines = [b"%d\t%s\t%s\t%s" % (i.position, i.slug.encode(), i.kind.encode(), i.data) for i in batch.items]
    return b"\n".join([header, *lines])


def decode_batch(message: bytes) -> Batch:
    header, *lines = message.split(b"\n")
    items = []
    for line in lines:
        position, slug, kind, data = line.split(b"\t", 3)
        items.append(TimelineItem(int(position), slug.decode(), kind.decode(), data))
    previous = int(header)
    return Batch(items, None if previous < 0 else previous)


class Feed:
    def __init__(
        self, hub: Hub, read_models: SQLReadModels, *, poll_interval: float = 1.0, queue_size: int = 10_000
    ) -> None:
        self.hub = hub
        self.read_models = read_models
        self.poll_interval = poll_interval
        # Bounded: if the pump ever falls this far behind, batches are dropped and a catch-up fills in.
        self._queue: asyncio.Queue[Batch] = asyncio.Queue(maxsize=queue_size)
        self._lost = False
        self.catch_ups = 0

    def offer(self, batch: Batch) -> None:
        """Queues a pushed batch (event loop only)."""
        try:
            self._queue.put_nowait(batch)
        except asyncio.QueueFull:
            self._lost = True

    def offer_threadsafe(
        self, loop: asyncio.AbstractEventLoop, items: list[TimelineItem], previous: int | None
    ) -> None:
        """For the embedded projector's thread."""
        loop.call_soon_threadsafe(self.offer, Batch(items, previous))

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

    def _repeats(self, batch: Batch) -> bool:
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


async def follow_redis(feed: Feed, client: Redis, channel: str) -> None:
    """Keeps ONE subscription for this process, reconnecting with backoff. Until cancelled."""
    backoff = 0.2
    while True:
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel)
            backoff = 0.2
            feed.offer(Batch([], None))  # (re)connected: whatever was published meanwhile gets caught up
            async for message in pubsub.listen():
                if message["type"] == "message":
                    feed.offer(decode_batch(message["data"]))
        except (redis.RedisError, OSError) as error:
            log.warning("redis subscription lost (%s); reconnecting in %.1f s", error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]


class RedisPublisher:
    """The projector's side: publishes each committed batch once. A failure is logged, never raised: the
    web processes catch up from the read model, and writes never depend on Redis."""

    def __init__(self, url: str, channel: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._channel = channel

    def __call__(self, items: list[TimelineItem], previous: int | None) -> None:
        try:
            self._client.publish(self._channel, encode_batch(Batch(items, previous)))
        except (redis.RedisError, OSError) as error:
            log.warning("could not publish to redis (%s); readers will catch up from the read model", error)

    def close(self) -> None:
        self._client.close()


def channel_name(prefix: str) -> str:
    return f"{prefix}timeline"
