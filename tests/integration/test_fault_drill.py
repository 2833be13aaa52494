"""The fault drill, on PostgreSQL and a Redis of its own: while an editor appends and readers comment and
three live readers follow the story, Redis is killed with -9 (and started again), then the projector is
killed with -9 (and a new one started). Every acknowledged write reaches every reader once: nothing lost,
nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.integration.test_cluster_live import OwnRedis
from tests.server import ROOT, running_server
from tests.services import create_schema, postgres_url
from tests.sse import Reader

SLUG = "levee"


def start_projector(database_url: str, redis_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsroom_cli", "project"],
        cwd=ROOT,
        env={**os.environ, "NEWSROOM_DATABASE_URL": database_url, "NEWSROOM_REDIS_URL": redis_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.postgres
@pytest.mark.redis
def test_kill_9_of_redis_and_the_projector_under_writes_loses_and_doubles_nothing(
    pg_database: str, tmp_path: Path
) -> None:
    database_url = postgres_url(pg_database, create_schema(pg_database))
    app = Newsroom.from_url(database_url)
    _, token = app.add_staff("desk", Role.EDITOR, by=OPERATOR)
    editor = app.authenticate(token)
    app.draft_article(slug=SLUG, headline="Levee holds", body="For now.", byline_name="D", by=editor)
    start = app.publish(SLUG, by=editor).position
    app.close()
    own_redis = OwnRedis(tmp_path)
    own_redis.start()
    projector = start_projector(database_url, own_redis.url)
    env = {
        "NEWSROOM_PROJECTOR": "external",
        "NEWSROOM_REDIS_URL": own_redis.url,
        "NEWSROOM_COMMENT_LIMIT": "100000",
    }
    acknowledged: list[int] = []
    refused: list[int] = []
    stop = threading.Event()
    try:
        with running_server(database_url, **env) as base:
            readers = [
                Reader(f"{base}/api/articles/{SLUG}/live", last_event_id=start).start() for _ in range(3)
            ]

            def write(path: str, body: dict[str, str], headers: dict[str, str]) -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    answer = httpx.post(
                        f"{base}{path}",
                        json={key: f"{value} {n}" for key, value in body.items()},
                        headers=headers,
                    )
                    if answer.status_code == 201:
                        acknowledged.append(int(answer.json()["position"]))
                    else:
                        refused.append(answer.status_code)
                    time.sleep(0.03)

            writers = [
                threading.Thread(
                    target=write,
                    args=(
                        f"/api/articles/{SLUG}/updates",
                        {"body": "Water level"},
                        {"Authorization": f"Bearer {token}"},
                    ),
                ),
                threading.Thread(
                    target=write,
                    args=(f"/api/articles/{SLUG}/comments", {"author": "Ana", "body": "Stay safe"}, {}),
                ),
            ]
            for writer in writers:
                writer.start()
            time.sleep(1.5)
            own_redis.process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
            own_redis.process.wait()  # type: ignore[union-attr]
            own_redis.process = None
            time.sleep(1.5)
            own_redis.start()
            time.sleep(1.5)
            projector.send_signal(signal.SIGKILL)
            projector.wait()
            time.sleep(1.5)
            projector = start_projector(database_url, own_redis.url)
            time.sleep(1.5)
            stop.set()
            for writer in writers:
                writer.join(timeout=30)

            assert len(acknowledged) > 40
            assert refused == []  # neither Redis nor the projector is in a write's way
            last = max(acknowledged)
            for reader in readers:
                assert reader.wait_for(lambda r: last in r.ids(), timeout=30), "a reader never caught up"
                reader.stop()
            for reader in readers:
                told = [
                    event.id for event in reader.events if event.kind in ("update-appended", "comment-added")
                ]
                assert len(told) == len(set(told)), "a reader was told something twice"
                assert sorted(set(acknowledged) - set(told)) == [], "a reader missed acknowledged writes"
                assert told == sorted(told)
    finally:
        stop.set()
        if projector.poll() is None:
            projector.kill()
        own_redis.stop()
