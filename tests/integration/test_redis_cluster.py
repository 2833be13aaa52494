"""A real 3-node Redis Cluster of this test's own behind two web processes and a projector on PostgreSQL:
live changes travel as one sharded channel (SPUBLISH / SSUBSCRIBE), presence and comment limits are
shared through it, and a reader misses nothing when the node holding the live channel is killed and
comes back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
import redis

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.server import ROOT, running_server
from tests.services import OwnRedisCluster, create_schema, postgres_url
from tests.sse import Reader

PREFIX = "newsroom-cluster-test:"
TIMELINE = f"{PREFIX}timeline"


@contextmanager
def projector(database_url: str, redis_url: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "newsroom_cli", "project"],
        cwd=ROOT,
        env={
            **os.environ,
            "NEWSROOM_DATABASE_URL": database_url,
            "NEWSROOM_REDIS_URL": redis_url,
            "NEWSROOM_REDIS_PREFIX": PREFIX,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def subscribers(port: int) -> int:
    client = redis.Redis(port=port)
    try:
        _, count = client.execute_command("PUBSUB", "SHARDNUMSUB", TIMELINE)
        return int(count)
    finally:
        client.close()


def wait_until(condition: object, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.postgres
@pytest.mark.redis
def test_two_web_processes_share_live_changes_presence_and_limits_through_a_redis_cluster(
    pg_database: str, tmp_path: Path
) -> None:
    database_url = postgres_url(pg_database, create_schema(pg_database))
    app = Newsroom.from_url(database_url)
    _, ana = app.add_staff("ana", Role.EDITOR, by=OPERATOR)
    _, ben = app.add_staff("ben", Role.EDITOR, by=OPERATOR)
    editor = app.authenticate(ana)
    app.draft_article(
        slug="quake", headline="Tremor felt", body="A tremor was felt.", byline_name="A", by=editor
    )
    app.publish("quake", by=editor)
    app.close()
    cluster = OwnRedisCluster(tmp_path / "cluster")
    cluster.start()
    env = {
        "NEWSROOM_PROJECTOR": "external",
        "NEWSROOM_REDIS_URL": cluster.url,
        "NEWSROOM_REDIS_PREFIX": PREFIX,
        "NEWSROOM_COMMENT_LIMIT": "2",
        "NEWSROOM_TRUSTED_PROXIES": "127.0.0.1",
    }
    with ExitStack() as stack:
        stack.callback(cluster.stop)
        stack.enter_context(projector(database_url, cluster.url))
        first = stack.enter_context(running_server(database_url, **env))
        second = stack.enter_context(running_server(database_url, **env))
        owner = cluster.owner_of(TIMELINE)
        assert wait_until(lambda: subscribers(owner) == 2)  # one sharded subscription per web process
        readers = [
            Reader(f"{base}{path}").start()
            for base in (first, second)
            for path in ("/api/live", "/api/articles/quake/live")
        ]
        stack.callback(lambda: [reader.stop() for reader in readers])

        def append(text: str) -> int:
            response = httpx.post(
                f"{first}/api/articles/quake/updates",
                json={"body": text},
                headers={"Authorization": f"Bearer {ana}"},
            )
            assert response.status_code == 201, response.text
            return int(response.json()["position"])

        sent = [append(f"Aftershock number {n}.") for n in range(1, 4)]
        assert all(reader.wait_for(lambda r: sent[-1] in r.ids()) for reader in readers)

        # Presence: each editor's desk, on a different process, sees the other.
        seen = httpx.post(f"{first}/api/articles/quake/presence", headers={"Authorization": f"Bearer {ana}"})
        assert seen.status_code == 200
        seen = httpx.post(f"{second}/api/articles/quake/presence", headers={"Authorization": f"Bearer {ben}"})
        assert {editor["name"] for editor in seen.json()["editors"]} == {"ana", "ben"}

        # One client's comments are counted across both processes.
        client = {"X-Forwarded-For": "203.0.113.77"}
        statuses = [
            httpx.post(
                f"{base}/api/articles/quake/comments",
                json={"author": "Ola", "body": f"Felt it too {n}"},
                headers=client,
            ).status_code
            for n, base in enumerate((first, second, first))
        ]
        assert statuses == [201, 201, 429]

        # The node holding the live channel dies: what is written meanwhile still reaches every reader
        # once the node is back (each web process catches up from the read models), each once, in order.
        cluster.kill(owner)
        while_down = [append(f"Written while the channel's node is down {n}.") for n in range(2)]
        cluster.start_node(owner)
        cluster.wait_healthy()
        assert wait_until(lambda: subscribers(owner) == 2, timeout=30)
        after = append("Written after the node came back.")
        everything = [*sent, *while_down, after]
        for reader in readers:
            assert reader.wait_for(lambda r: after in r.ids(), timeout=20)
            updates = [e.id for e in reader.events if e.kind == "update-appended"]
            assert updates == everything, (reader.url, updates)
