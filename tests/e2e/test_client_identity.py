"""Who a client is, behind proxies or not, through a real `newsroom serve` (uvicorn does the resolving)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from tests.server import free_port, published_story, running_server
from web.ratelimit import RedisRateLimiter

LIMIT = 5


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/clients.sqlite3"
    published_story(url, "ferry")
    return url


def _comment(base: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = httpx.post(
        f"{base}/api/articles/ferry/comments",
        json={"author": "Lea", "body": "Is it running?"},
        headers=headers,
        params={"after": 0},
        timeout=10,
    )
    return response.status_code


def test_a_forged_x_forwarded_for_from_loopback_does_not_skip_the_comment_limit(store: str) -> None:
    with running_server(store, NEWSROOM_COMMENT_LIMIT=str(LIMIT)) as base:
        answers = [_comment(base, f"10.9.{n // 250}.{n % 250}") for n in range(50)]
    assert answers.count(201) == LIMIT  # every request is the same client: the socket's, not the header's
    assert answers[LIMIT:] == [429] * (50 - LIMIT)


def test_behind_a_trusted_proxy_each_reader_has_a_limit_of_their_own(store: str) -> None:
    with running_server(
        store, NEWSROOM_COMMENT_LIMIT=str(LIMIT), NEWSROOM_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8"
    ) as base:
        # The proxy appends the address it saw; what the client wrote before it is not believed. The
        # right-most address that is not a trusted proxy is the client.
        first = [_comment(base, f"6.6.6.{n}, 203.0.113.7") for n in range(LIMIT + 1)]
        through_two_proxies = [_comment(base, f"6.6.6.{n}, 203.0.113.8, 10.1.2.3") for n in range(LIMIT + 1)]
        other = _comment(base, "203.0.113.9")
    assert first == [201] * LIMIT + [429]  # one client, however its forged part changes
    assert through_two_proxies == [201] * LIMIT + [429]
    assert other == 201  # another reader behind the same proxy is not held to the first one's limit


def test_the_comment_limit_holds_in_the_process_while_redis_is_down() -> None:
    async def run() -> list[float | None]:
        dead = Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)
        limiter = RedisRateLimiter(dead, "test:", limit=LIMIT, per_seconds=60)
        try:
            return [await limiter.hit("client-1") for _ in range(LIMIT + 2)]
        finally:
            await dead.aclose()

    waits = asyncio.run(run())
    assert waits[:LIMIT] == [None] * LIMIT
    assert all(wait is not None and wait > 0 for wait in waits[LIMIT:])  # not let through
