"""Several processes: the projector publishes each batch once; each web process holds ONE subscription.

Redis Pub/Sub is at-most-once with no history, which is all this needs: a web process that misses a batch
(Redis restarting, a reconnect, a slot moving) fills the gap from the read models, and writes never touch
Redis. On one server the channel is a classic one (PUBLISH, SUBSCRIBE); on a Redis Cluster a sharded one
(SPUBLISH, SSUBSCRIBE), held on a connection to the node that owns its slot and moved when the slot moves.
The subscription is pinged: a node that stops answering (hung, or a connection the network dropped without
a word, which keepalive and redis-py's health checks do not notice) is left within ``DEAD_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import redis
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster

from web.fanout import wire
from web.fanout.backends.interface import Deliver
from web.fanout.wire import Published
from web.redis_clients import ClusterAddress, async_client, cluster_address, sync_client

log = logging.getLogger("newsroom.fanout")

PING_SECONDS = 1.0
DEAD_SECONDS = 3.0


class SlotMovedError(Exception):
    """The cluster moved the channel's slot to another node (Redis told us with an unasked sunsubscribe)."""


class NotAnsweringError(Exception):
    pass


class RedisBackend:
    def __init__(self, url: str, channel: str) -> None:
        self._url = url
        self._channel = channel
        self._cluster = cluster_address(url)
        self._publisher: redis.Redis | redis.RedisCluster | None = None  # made on the first publish

    def publish(self, published: Published) -> None:
        try:
            if self._publisher is None:
                self._publisher = sync_client(self._url)
            if self._cluster is None:
                self._publisher.publish(self._channel, wire.encode(published))
            else:
                self._publisher.spublish(self._channel, wire.encode(published))
        except (redis.RedisError, OSError) as error:
            log.warning("could not publish to redis (%s); readers will catch up from the read model", error)

    async def listen(self, deliver: Deliver) -> None:
        """Keeps ONE subscription for this process, reconnecting with backoff."""
        cluster = async_client(self._url) if self._cluster is not None else None
        backoff = 0.2
        try:
            while True:
                connection, pubsub = await self._subscribe(cluster)
                try:
                    backoff = 0.2
                    deliver(Published([], None))  # (re)connected: whatever was published meanwhile is read
                    await self._receive(pubsub, deliver)
                except SlotMovedError:
                    log.info("the timeline's slot moved; following it")
                    continue
                except (redis.RedisError, OSError, NotAnsweringError) as error:
                    log.warning("redis subscription lost (%s); reconnecting in %.1f s", error, backoff)
                finally:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
                    with contextlib.suppress(Exception):
                        await connection.aclose()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        finally:
            if cluster is not None:
                await cluster.aclose()

    async def _subscribe(self, cluster: Redis | RedisCluster | None) -> tuple[Redis, PubSub]:
        """A connection subscribed to the channel: to the server, or to the node owning the channel's slot
        (the cluster's map read again first, in case it changed)."""
        while True:
            try:
                if not isinstance(cluster, RedisCluster):
                    connection = Redis.from_url(
                        self._url,
                        socket_keepalive=True,
                        socket_connect_timeout=2,
                        socket_timeout=DEAD_SECONDS,
                    )
                    pubsub = connection.pubsub(ignore_subscribe_messages=True)
                    await pubsub.subscribe(self._channel)
                    return connection, pubsub
                assert self._cluster is not None
                connection = await _owner(cluster, self._cluster, self._channel)
                pubsub = connection.pubsub(ignore_subscribe_messages=False)
                await pubsub.ssubscribe(self._channel)
                return connection, pubsub
            except (redis.RedisError, OSError) as error:
                log.warning("cannot subscribe to redis (%s); trying again in 1 s", error)
                await asyncio.sleep(1.0)

    async def _receive(self, pubsub: PubSub, deliver: Deliver) -> None:
        """Hands each batch heard to ``deliver`` until the subscription fails, stops answering pings, or
        its slot moves."""
        heard = pinged = time.monotonic()
        while True:
            now = time.monotonic()
            if now - pinged >= PING_SECONDS:
                await pubsub.ping()
                pinged = now
            if now - heard > DEAD_SECONDS:
                raise NotAnsweringError(f"no answer to pings for {now - heard:.1f} s")
            message = await pubsub.get_message(timeout=PING_SECONDS / 2)
            if message is None:
                continue
            heard = time.monotonic()
            kind = message["type"]
            if kind in ("message", "smessage"):
                deliver(wire.decode(message["data"]))
            elif kind == "sunsubscribe":
                raise SlotMovedError

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()


async def _owner(cluster: RedisCluster, address: ClusterAddress, channel: str) -> Redis:
    """A connection to the node that owns ``channel``'s slot now."""
    await cluster.initialize()
    with contextlib.suppress(redis.RedisError, OSError):
        await cluster.nodes_manager.initialize()  # the map as it is now (a node restarted, a slot moved)
    node = cluster.get_node_from_key(channel)
    if node is None:
        raise redis.RedisError(f"no node of the cluster serves {channel}")
    return Redis(
        host=node.host,
        port=int(node.port),
        username=address.username,
        password=address.password,
        ssl=address.tls,
        socket_keepalive=True,
        socket_connect_timeout=2,
        socket_timeout=DEAD_SECONDS,
    )
