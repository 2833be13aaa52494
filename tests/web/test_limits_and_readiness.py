"""Comment rate limits shared through a real Redis, and readiness that tells the truth."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
import redis
from redis.asyncio import Redis

from newsroom import Newsroom
from projections.registry import open_read_models
from tests.services import REDIS_URL, redis_namespace
from tests.web.conftest import make_api
from web.ratelimit import MemoryRateLimiter, RedisRateLimiter


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    with redis_namespace() as prefix:
        yield prefix


def test_redis_rate_limit_is_shared_between_limiters(redis_prefix: str) -> None:
    async def scenario() -> list[float | None]:
        first, second = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
        try:
            # Two web processes, each with its own client, share one budget per client address.
            a = RedisRateLimiter(first, redis_prefix, limit=3, per_seconds=60)
            b = RedisRateLimiter(second, redis_prefix, limit=3, per_seconds=60)
            return [
                await a.hit("10.1.1.1"),
                await b.hit("10.1.1.1"),
                await a.hit("10.1.1.1"),
                await b.hit("10.1.1.1"),
                await a.hit("10.9.9.9"),
            ]
        finally:
            await first.aclose()
            await second.aclose()

    results = asyncio.run(scenario())
    assert results[:3] == [None, None, None]
    assert results[3] is not None and 0 < results[3] <= 60  # the fourth in the window waits
    assert results[4] is None  # another client has its own budget
    assert redis.Redis.from_url(REDIS_URL).keys(f"{redis_prefix}ratelimit:10.1.1.1:*")


def test_memory_rate_limit_refills_and_stays_bounded() -> None:
    async def scenario() -> None:
        limiter = MemoryRateLimiter(limit=2, per_seconds=0.2, max_keys=3)
        assert await limiter.hit("a") is None
        assert await limiter.hit("a") is None
        wait = await limiter.hit("a")
        assert wait is not None and 0 < wait <= 0.2
        await asyncio.sleep(wait + 0.02)
        assert await limiter.hit("a") is None
        for key in "bcdef":
            await limiter.hit(key)
        assert len(limiter._buckets) == 3

    asyncio.run(scenario())


def test_comments_through_the_api_use_redis_when_configured(api_url: str, redis_prefix: str) -> None:
    for api in make_api(
        api_url, comment_limit=2, comment_window=60.0, redis_url=REDIS_URL, redis_prefix=redis_prefix
    ):
        slug = api.story()
        statuses = [
            api.post(f"/api/articles/{slug}/comments", {"author": "A", "body": "x"}).status_code
            for _ in range(3)
        ]
        assert statuses == [201, 201, 429]
        assert redis.Redis.from_url(REDIS_URL).keys(f"{redis_prefix}ratelimit:*")


def test_readyz_fails_when_the_projector_lags(api_url: str) -> None:
    for api in make_api(api_url, projector="external", max_projection_lag=0):
        api.story()  # written, but nobody projects it
        stalled = api.get("/readyz")
        assert stalled.status_code == 503
        assert stalled.json()["status"] == "projector_stalled"  # no projector has ever said it runs
        assert stalled.json()["projector_heard_seconds_ago"] is None
        # A projector that says it runs, but is behind.
        app = Newsroom.from_url(api_url)
        try:
            open_read_models(app).beat(int(time.time() * 1000))
        finally:
            app.close()
        lagging = api.get("/readyz")
        assert lagging.status_code == 503
        assert lagging.json()["status"] == "lagging"
        assert lagging.json()["projection_lag"]["article-pages"] >= 2
        assert lagging.json()["projector_heard_seconds_ago"] < 5
