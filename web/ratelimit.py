"""Rate limits for anonymous writes (reader comments, reports): in-process, or shared through Redis.

Both answer ``hit(key)`` with None (allowed) or the seconds to wait before trying again.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

log = logging.getLogger("newsroom.web")

REDIS_SECONDS = 0.5  # the longest a comment waits on Redis for its rate limit
RETRY_SECONDS = 5.0  # after Redis failed, how long the limit is kept in this process before trying again


class RateLimiter(Protocol):
    async def hit(self, key: str) -> float | None: ...


def rate_limiter(
    redis: Redis | RedisCluster | None, prefix: str, limit: int, per_seconds: float
) -> RateLimiter:
    """``limit`` hits a key per ``per_seconds``: shared by every process through Redis when there is one."""
    if redis is None:
        return MemoryRateLimiter(limit, per_seconds)
    return RedisRateLimiter(redis, prefix, limit, per_seconds)


class MemoryRateLimiter:
    """A token bucket per key, kept for the most recent ``max_keys`` keys (bounded memory)."""

    def __init__(self, limit: int, per_seconds: float, max_keys: int = 100_000) -> None:
        self._rate = limit / per_seconds
        self._capacity = float(limit)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys

    async def hit(self, key: str) -> float | None:
        now = time.monotonic()
        tokens, updated = self._buckets.pop(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - updated) * self._rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self._rate
        self._buckets[key] = (tokens - 1, now)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return None


class RedisRateLimiter:
    """A fixed window per key in Redis, shared by every web process; while Redis cannot be reached, this
    process's own limiter (the same limit, per process) rather than none."""

    def __init__(self, redis: Redis | RedisCluster, prefix: str, limit: int, per_seconds: float) -> None:
        self._redis = redis
        self._prefix = prefix
        self._limit = limit
        self._window = max(1, math.ceil(per_seconds))
        self._fallback = MemoryRateLimiter(limit, per_seconds)
        self._down_until = 0.0  # after a failure, Redis is left alone for a while (the client retries)

    async def hit(self, key: str) -> float | None:
        if time.monotonic() < self._down_until:
            return await self._fallback.hit(key)
        now = time.time()
        window = int(now // self._window)
        name = f"{self._prefix}ratelimit:{key}:{window}"
        try:
            async with asyncio.timeout(REDIS_SECONDS), self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, self._window * 2)
                count, _ = await pipe.execute()
        except (RedisError, OSError, TimeoutError) as error:
            # Readers' comments must not fail or wait because Redis is down, nor go unlimited.
            log.warning(
                "rate limit kept in this process for %s s, redis unavailable: %s", RETRY_SECONDS, error
            )
            self._down_until = time.monotonic() + RETRY_SECONDS
            return await self._fallback.hit(key)
        if int(count) > self._limit:
            return (window + 1) * self._window - now
        return None
