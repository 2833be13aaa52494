"""Who has a story open at the desk: each open desk says so every few seconds (``here``), and is forgotten
when it stops (after ``TTL_SECONDS``). In one process, a dict; across web processes, a Redis sorted set per
story (members by their last word, old ones trimmed on each call), so editors see each other wherever their
requests land.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Protocol

import orjson
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

log = logging.getLogger("newsroom.web")

TTL_SECONDS = 30.0  # a desk that has not said it is here for this long has gone
REDIS_SECONDS = 0.5
MAX_STORIES = 10_000  # stories kept in memory at once (the least recently touched go first)


class Presence(Protocol):
    async def here(self, slug: str, who: str, name: str) -> list[dict[str, str]]:
        """Records that ``who`` (a staff name, shown as ``name``) has ``slug`` open; everyone who has it
        open now, ``who`` included."""


def _present(entries: dict[str, tuple[float, str]], now: float) -> list[dict[str, str]]:
    return [
        {"name": who, "display_name": name}
        for who, (seen, name) in sorted(entries.items())
        if now - seen <= TTL_SECONDS
    ]


class MemoryPresence:
    def __init__(self) -> None:
        self._stories: OrderedDict[str, dict[str, tuple[float, str]]] = OrderedDict()

    async def here(self, slug: str, who: str, name: str) -> list[dict[str, str]]:
        now = time.monotonic()
        entries = self._stories.pop(slug, {})
        entries = {member: seen for member, seen in entries.items() if now - seen[0] <= TTL_SECONDS}
        entries[who] = (now, name)
        self._stories[slug] = entries
        while len(self._stories) > MAX_STORIES:
            self._stories.popitem(last=False)
        return _present(entries, now)


class RedisPresence:
    """Shared by every web process; while Redis cannot be reached, this process's own view."""

    def __init__(self, redis: Redis | RedisCluster, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._fallback = MemoryPresence()

    async def here(self, slug: str, who: str, name: str) -> list[dict[str, str]]:
        key = f"{self._prefix}presence:{slug}"
        now = time.time()
        member = orjson.dumps([who, name])
        try:
            async with asyncio.timeout(REDIS_SECONDS), self._redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, "-inf", now - TTL_SECONDS)
                pipe.zadd(key, {member: now})
                pipe.expire(key, int(TTL_SECONDS * 2))
                pipe.zrange(key, 0, -1, withscores=True)
                *_, members = await pipe.execute()
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("presence kept in this process, redis unavailable: %s", error)
            return await self._fallback.here(slug, who, name)
        entries: dict[str, tuple[float, str]] = {}
        for raw, seen in members:
            staff, shown = orjson.loads(raw)
            if staff not in entries or entries[staff][0] < seen:
                entries[staff] = (float(seen), str(shown))
        return _present(entries, now)
