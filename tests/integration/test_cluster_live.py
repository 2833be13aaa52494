"""Two web processes, one projector, real PostgreSQL and a Redis of this test's own that is restarted once:
readers on both processes drop and resume at random points while editors write, and at the end every
reader has every event exactly once, in position order."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis
import yaml

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.server import ROOT, free_port, running_server
from tests.services import create_schema, postgres_url, unavailable
from tests.sse import Reader

SEED = 20261124


class OwnRedis:
    """A redis-server on a free port under a temp dir: this test may stop and start it at will."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
            return
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


# The commands and settings this test runs the cluster with: compose.yaml must run the same ones.
SERVE = ["serve"]
PROJECT = ["project"]
WEB_ENV = {"NEWSROOM_PROJECTOR": "external"}


@contextmanager
def projector(database_url: str, redis_url: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "newsroom_cli", *PROJECT],
        cwd=ROOT,
        env={**os.environ, "NEWSROOM_DATABASE_URL": database_url, "NEWSROOM_REDIS_URL": redis_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.postgres
@pytest.mark.redis
def test_readers_on_two_processes_get_every_event_once_through_a_redis_restart(
    pg_database: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    database_url = postgres_url(pg_database, create_schema(pg_database))
    app = Newsroom.from_url(database_url)
    _, token = app.add_staff("desk", Role.EDITOR, by=OPERATOR)
    app.close()
    own_redis = OwnRedis(tmp_path)
    own_redis.start()
    env = {
        **WEB_ENV,
        "NEWSROOM_REDIS_URL": own_redis.url,
        "NEWSROOM_REDIS_PREFIX": f"t{SEED}:",
        "NEWSROOM_COMMENT_LIMIT": "100000",
    }
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with (
            projector(database_url, own_redis.url),
            running_server(database_url, **env) as web_a,
            running_server(database_url, **env) as web_b,
        ):
            webs = [web_a, web_b]
            slugs = ["harbour", "council"]
            for slug in slugs:
                httpx.post(
                    f"{web_a}/api/articles",
                    json={"slug": slug, "headline": slug.title(), "body": "B"},
                    headers=headers,
                ).raise_for_status()
                published = httpx.post(f"{web_b}/api/articles/{slug}/publish", headers=headers)
                published.raise_for_status()
                httpx.get(f"{web_a}/api/articles/{slug}", params={"after": published.json()["position"]})
            start_position = published.json()["position"]

            # A reader on process B gets an update posted to process A (through the projector and Redis).
            on_b = Reader(f"{web_b}/api/articles/harbour/live").start()
            posted = httpx.post(
                f"{web_a}/api/articles/harbour/updates", json={"body": "Via A"}, headers=headers
            )
            assert on_b.wait_for(lambda r: posted.json()["position"] in r.ids())
            on_b.stop()
            start_position = posted.json()["position"]

            # Each reader follows the whole site; its record is every event id it ever received.
            readers: list[tuple[list[int], Reader]] = []
            for n in range(6):
                record: list[int] = []
                readers.append(
                    (record, Reader(f"{webs[n % 2]}/api/live", last_event_id=start_position).start())
                )

            written: list[int] = []
            for step in range(80):
                web = rng.choice(webs)
                slug = rng.choice(slugs)
                if rng.random() < 0.75:
                    response = httpx.post(
                        f"{web}/api/articles/{slug}/updates", json={"body": f"Update {step}"}, headers=headers
                    )
                else:
                    response = httpx.post(
                        f"{web}/api/articles/{slug}/comments",
                        json={"author": f"Reader {step % 7}", "body": f"Comment {step}"},
                    )
                assert response.status_code == 201, response.text
                written.append(response.json()["position"])
                if step == 35:
                    own_redis.stop()  # writes go on; fan-out falls back to the timeline
                if step == 50:
                    own_redis.start()
                # Readers drop and come back at random points, on a random process.
                for index, (record, reader) in enumerate(readers):
                    if rng.random() < 0.08:
                        reader.stop()
                        record.extend(reader.ids())
                        resume_from = record[-1] if record else start_position
                        readers[index] = (
                            record,
                            Reader(f"{rng.choice(webs)}/api/live", last_event_id=resume_from).start(),
                        )
                time.sleep(rng.random() * 0.02)

            last = max(written)
            for record, reader in readers:
                assert reader.wait_for(
                    lambda r, record=record: (r.ids() or record)[-1] >= last, timeout=30
                ), f"a reader stopped at {(reader.ids() or record)[-1:]} of {last}"
                reader.stop()
                record.extend(reader.ids())
            expected = sorted(written)
            for record, _ in readers:
                assert record == expected  # every event, exactly once, in position order
    finally:
        own_redis.stop()


def test_compose_runs_the_commands_this_cluster_test_runs() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    web, project = services["web"], services["projector"]
    assert web["command"][:2] == ["newsroom", *SERVE]
    assert project["command"] == ["newsroom", *PROJECT]
    assert project["deploy"]["replicas"] == 1  # exactly one projector
    assert web["deploy"]["replicas"] >= 2  # stateless web processes, scaled out
    for service in (web, project):
        environment = service["environment"]
        assert WEB_ENV.items() <= environment.items()
        assert environment["NEWSROOM_DATABASE_URL"].startswith("postgresql://")
        assert environment["NEWSROOM_REDIS_URL"].startswith("redis://")
        assert {"postgres", "redis", "migrate"} <= set(service["depends_on"])
    assert services["migrate"]["command"] == ["newsroom", "migrate"]
    for engine in ("postgres", "redis"):
        assert services[engine]["healthcheck"]["test"] and services[engine]["volumes"]
    # Every command compose runs is one the CLI has.
    from newsroom_cli.main import build_parser

    for service in (web, project, services["migrate"]):
        build_parser().parse_args(service["command"][1:])
