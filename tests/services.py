"""Real services for tests: PostgreSQL and Redis on this machine, each test in its own namespace.

Where a service does not answer, its tests skip with the reason; under CI=true they fail instead, because
CI must exercise both on every run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

PG_HOST = os.environ.get("NEWSROOM_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("NEWSROOM_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("NEWSROOM_TEST_PG_USER", "postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skips the test, or fails it under CI where every service must be exercised."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: services are required)")
    pytest.skip(reason)


def _admin_connection(dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True, connect_timeout=3
    )


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database for this test run; dropped afterwards."""
    try:
        admin = _admin_connection()
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL at {PG_HOST}:{PG_PORT} is unreachable: {error}")
        raise  # unreachable: unavailable() always raises
    name = f"newsroom_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with _admin_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create_schema(dbname: str) -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _admin_connection(dbname) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return schema


def postgres_url(dbname: str, schema: str | None = None) -> str:
    url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"
    return f"{url}?schema={schema}" if schema else url


def execute(dbname: str, statement: str, *params: object) -> list[tuple[object, ...]]:
    with _admin_connection(dbname) as conn:
        cursor = conn.execute(statement, params or None)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


class OwnPostgres:
    """A PostgreSQL server of this test's own (initdb + pg_ctl in a temp dir, on a free port) that the test
    may stop and start; never the machine's shared one. Runs as the ``postgres`` user when started as root,
    since PostgreSQL refuses to run as root."""

    def __init__(self, port: int, **settings: str) -> None:
        # Its own temp dir rather than pytest's: the postgres user must be able to reach it.
        self.directory = Path(tempfile.mkdtemp(prefix="newsroom-pg-"))
        self.data = self.directory / "data"
        self.port = port
        self.settings = settings  # server settings (-c name=value)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix: list[str] = []
        if os.geteuid() == 0:
            prefix = ["runuser", "-u", "postgres", "--"]
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        for tool in ("initdb", "pg_ctl"):
            if shutil.which(tool) is None:
                unavailable(f"{tool} is not installed")
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def files(self) -> list[tuple[str, bytes]]:
        """Every file under its data directory, the write-ahead log's included, as (path, bytes)."""
        return [
            (str(path.relative_to(self.data)), path.read_bytes())
            for path in self.data.rglob("*")
            if path.is_file()
        ]

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


REDIS_URL = os.environ.get("NEWSROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextmanager
def redis_namespace() -> Iterator[str]:
    """A key prefix of this test's own in the machine's Redis; every key under it is deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} is unreachable: {error}")
    prefix = f"newsroom-test:{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


class OwnRedisCluster:
    """A Redis Cluster of this test's own: ``size`` masters (redis-server --cluster-enabled) on free ports
    under a temp dir, no replicas; a node may be killed and started again with its cluster config."""

    def __init__(self, directory: Path, size: int = 3) -> None:
        self.directory = directory
        self.ports = [_cluster_port() for _ in range(size)]
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start_node(self, port: int) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
            return
        folder = self.directory / str(port)
        folder.mkdir(parents=True, exist_ok=True)
        self.processes[port] = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
             "--cluster-config-file", f"nodes-{port}.conf", "--cluster-node-timeout", "2000",
             "--save", "", "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait(lambda client: client.ping(), port)

    def start(self) -> None:
        for port in self.ports:
            self.start_node(port)
        subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{port}" for port in self.ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        self.wait_healthy()

    def wait_healthy(self) -> None:
        for port in self.ports:
            self._wait(lambda client: b"cluster_state:ok" in client.execute_command("CLUSTER", "INFO"), port)

    def owner_of(self, key: str) -> int:
        """The port of the node that owns ``key``'s slot."""
        import redis

        client = redis.Redis(port=self.ports[0])
        try:
            slot = int(client.execute_command("CLUSTER", "KEYSLOT", key))
            for start, end, (_, port, *_rest), *_ in client.execute_command("CLUSTER", "SLOTS"):
                if start <= slot <= end:
                    return int(port)
        finally:
            client.close()
        raise LookupError(key)

    def kill(self, port: int) -> None:
        process = self.processes.pop(port)
        process.kill()
        process.wait(timeout=10)

    def stop(self) -> None:
        for port in list(self.processes):
            self.kill(port)

    @staticmethod
    def _wait(check: Callable[[Any], object], port: int, timeout: float = 20.0) -> None:
        import redis

        client = redis.Redis(port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    if check(client):
                        return
                except redis.RedisError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"redis on {port} is not ready")
                time.sleep(0.05)
        finally:
            client.close()


def _cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is a port, and free too."""
    import random
    import socket

    while True:
        port = random.randint(20_000, 50_000)
        try:
            with socket.socket() as one, socket.socket() as bus:
                one.bind(("127.0.0.1", port))
                bus.bind(("127.0.0.1", port + 10_000))
        except OSError:
            continue
        return port
