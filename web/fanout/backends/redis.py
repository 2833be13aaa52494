"""Several processes: the projector PUBLISHes each batch once; each web process holds ONE subscription.

Redis Pub/Sub is at-most-once with no history, which is all this needs: a web process that misses a batch
(Redis restarting, a reconnect) fills the gap from the read models, and writes never touch Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis
from redis.asyncio import Redis

from web.fanout import wire
from web.fanout.backends import Deliver
from web.fanout.wire import Published

log = logging.getLogger("newsroom.fanout")


class RedisBackend:
    def __init__(self, url: str, channel: str) -> None:
        self._url = url
        self._channel = channel
        self._publisher: redis.Redis | None = None  # made on the first publish: only projectors need it

    def publish(self, published: Published) -> None:
        try:
            if self._publisher is None:
                self._publisher = redis.Redis.from_url(self._url, socket_timeout=2, socket_connect_timeout=2)
            self._publisher.publish(self._channel, wire.encode(published))
        except (redis.RedisError, OSError) as error:
            log.warning("could not publish to redis (%s); readers will catch up from the read model", error)

    async def listen(self, deliver: Deliver) -> None:
        """Keeps ONE subscription for this process, reconnecting with backoff."""
        client = Redis.from_url(self._url, health_check_interval=10, socket_keepalive=True)
        backoff = 0.2
        try:
            while True:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                try:
                    await pubsub.subscribe(self._channel)
                    backoff = 0.2
                    deliver(Published([], None))  # (re)connected: whatever was published meanwhile is read
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            deliver(wire.decode(message["data"]))
                except (redis.RedisError, OSError) as error:
                    log.warning("redis subscription lost (%s); reconnecting in %.1f s", error, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                finally:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
        finally:
            await client.aclose()

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()
