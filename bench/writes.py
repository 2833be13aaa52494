"""The write path: HTTP appends per second with 8 concurrent editors, side by side with pgbench.

    .venv/bin/python bench/writes.py [--seconds 20] [--editors 8] [--workers 1] [--stories N --reconnect]

Newsroom runs as in production on a scratch PostgreSQL database: `newsroom serve --workers N` and
`newsroom project`, with Redis. Each editor appends updates to a story of its own through the API, one
request after another (each answered 201 with the stored position). In the same run, pgbench inserts an
event-sized row (a uuid, a version, a topic and a ~300-byte state) with as many clients, one row per
transaction: PostgreSQL's own ceiling for one stored event. Target: >= 0.25x pgbench. Also in the same
run, the same client against ``bench/floor_app.py``: a bare Starlette endpoint on the same server stack that
stores one such row per request, the floor of any write endpoint on this stack and machine; and again with
``bench/floor_projector.py`` beside it, the least read model there can be (one row per event, tracked),
the floor of a write endpoint whose reads come from a projection in the same database.

``--stories N`` has the editors share N stories instead, and ``--reconnect`` opens a connection for every
request, so that with several workers consecutive writes to a story come through different processes (each
then often holds a copy of the story another one has moved past). Answers 409 "too busy" are counted apart.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import ROOT, TICKS, cpu_seconds, cpu_ticks, free_port, newsroom, processes, wait_port
from bench.scratch import ADMIN, scratch_database

STATE = "x" * 300
CONTENT_LENGTH = re.compile(rb"(?i)content-length: *(\d+)")
INSERT = (
    "INSERT INTO bench_events (originator_id, originator_version, topic, state) "
    f"VALUES (gen_random_uuid(), 1, 'newsroom:Article.UpdateAppended', convert_to('{STATE}', 'UTF8'));\n"
)


def pgbench(seconds: int, clients: int) -> float:
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is not installed (Debian: postgresql-contrib / postgresql-client)")
    with scratch_database("postgres") as url, tempfile.TemporaryDirectory() as workdir:
        dbname = url.rsplit("/", 1)[-1]
        import psycopg

        with psycopg.connect(ADMIN.replace("dbname=postgres", f"dbname={dbname}"), autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_events (id BIGSERIAL PRIMARY KEY, originator_id UUID NOT NULL, "
                "originator_version INT NOT NULL, topic TEXT NOT NULL, state BYTEA NOT NULL)"
            )
        where = ["-h", "127.0.0.1", "-U", "postgres", dbname]
        script = Path(workdir) / "insert.sql"
        script.write_text(INSERT)
        output = subprocess.run(
            ["pgbench", "-n", "-f", str(script), "-c", str(clients), "-j", "2", "-T", str(seconds), *where],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    if match is None:
        raise SystemExit(f"could not read pgbench's output:\n{output}")
    return float(match.group(1))


def postgres_cpu_seconds() -> float:
    """CPU used so far by every PostgreSQL process on the machine (the bench's database is the busy one)."""
    return sum(cpu_ticks(fields) for _, name, fields in processes() if name.startswith("postgres")) / TICKS


def machine_ticks() -> tuple[int, int]:
    """All CPU ticks so far, and the idle ones (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values), values[3] + values[4]


async def create_stories(base: str, token: str, count: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    slugs = [f"desk-{n}" for n in range(count)]
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        for slug in slugs:
            (
                await client.post("/api/articles", json={"slug": slug, "headline": "Bench", "body": "B"})
            ).raise_for_status()
            (await client.post(f"/api/articles/{slug}/publish")).raise_for_status()
    return slugs


async def editors(
    base: str, token: str, slugs: list[str], count: int, seconds: float, reconnect: bool = False
) -> tuple[int, int, list[float]]:
    """``count`` editors append to the stories in turn, each over one keep-alive connection sending a
    prepared request: a client as light as pgbench's, so the figure is the server's (httpx spent 1.6 ms of
    this machine's CPU per request)."""
    body = orjson.dumps(
        {"body": "The river is rising at the weir; the council has opened the sports hall.", "label": "Live"}
    )
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    closing = "Connection: close\r\n" if reconnect else ""

    async def editor(slug: str) -> tuple[int, int]:
        request = (
            f"POST /api/articles/{slug}/updates HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{closing}\r\n"
        ).encode() + body
        done = busy = 0
        connection = None
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                if connection is None:
                    connection = await asyncio.open_connection(host, int(port))
                reader, writer = connection
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = CONTENT_LENGTH.search(head)
                answer = await reader.readexactly(int(length.group(1)) if length else 0)
                if reconnect:
                    writer.close()
                    connection = None
                if head.startswith(b"HTTP/1.1 409"):
                    busy += 1  # "too busy, try again": contention the server gave up on
                    continue
                latencies.append(time.perf_counter() - started)
                if not head.startswith(b"HTTP/1.1 201"):
                    raise RuntimeError(f"append failed: {head!r} {answer!r}")
                done += 1
        finally:
            if connection is not None:
                connection[1].close()
        return done, busy

    results = await asyncio.gather(*(editor(slugs[n % len(slugs)]) for n in range(count)))
    return sum(done for done, _ in results), sum(busy for _, busy in results), latencies


def stack_floor(seconds: int, count: int, workers: int, *, projected: bool = False) -> float:
    """Appends/s of the same client against ``bench/floor_app.py``: one INSERT per request, nothing else;
    ``projected``: with ``bench/floor_projector.py`` building its one-row-per-event read model meanwhile."""
    with scratch_database("postgres") as url:
        port = free_port()
        env = {**os.environ, "NEWSROOM_FLOOR_DSN": url}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.floor_app:app",
                "--port",
                str(port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--log-level",
                "warning",
                "--no-access-log",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
        )
        projector = None
        try:
            base = f"http://127.0.0.1:{port}"
            wait_port(port)  # the app has created its table
            if projected:
                projector = subprocess.Popen(
                    [sys.executable, "-m", "bench.floor_projector"], cwd=ROOT, env=env
                )
            started = time.monotonic()
            slugs = [f"desk-{n}" for n in range(count)]
            appended, _, _ = asyncio.run(editors(base, "-", slugs, count, seconds))
            return appended / (time.monotonic() - started)
        finally:
            for process in (server, projector):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--editors", type=int, default=8)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web processes (default 1: the best on two cores shared with all)",
    )
    parser.add_argument(
        "--stories", type=int, default=0, help="stories the editors share (default: one each)"
    )
    parser.add_argument("--reconnect", action="store_true", help="a new connection for every request")
    args = parser.parse_args()
    print(
        f"writes: {platform.node()} {platform.machine()}, Python {platform.python_version()}, "
        f"{args.editors} editors, {args.seconds} s each side"
    )
    ceiling = pgbench(args.seconds, args.editors)
    print(f"pgbench, {args.editors} clients, one event-sized row per transaction: {ceiling:,.0f} rows/s")
    floor = stack_floor(args.seconds, args.editors, args.workers)
    print(
        f"stack floor, bare Starlette endpoint storing one such row per request (bench/floor_app.py, "
        f"--workers {args.workers}): "
        f"{floor:,.0f} appends/s, {floor / ceiling:.2f}x pgbench"
    )
    projected_floor = stack_floor(args.seconds, args.editors, args.workers, projected=True)
    print(
        f"stack floor with the least read model (bench/floor_projector.py: one row an event, tracked): "
        f"{projected_floor:,.0f} appends/s, {projected_floor / ceiling:.2f}x pgbench"
    )
    with (
        tempfile.TemporaryDirectory() as workdir,
        newsroom(Path(workdir), workers=args.workers) as (base, token, pids),
    ):
        server, projector = pids
        slugs = asyncio.run(create_stories(base, token, args.stories or args.editors))
        before = (
            cpu_seconds([server]),
            cpu_seconds([projector]),
            postgres_cpu_seconds(),
            time.process_time(),
            machine_ticks(),
        )
        started = time.monotonic()
        appended, refused, latencies = asyncio.run(
            editors(base, token, slugs, args.editors, args.seconds, args.reconnect)
        )
        elapsed = time.monotonic() - started
        after = (
            cpu_seconds([server]),
            cpu_seconds([projector]),
            postgres_cpu_seconds(),
            time.process_time(),
            machine_ticks(),
        )
    rate = appended / elapsed
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    web_us, projector_us, postgres_us, client_us = (
        (a - b) / appended * 1e6 for a, b in zip(after[:4], before[:4], strict=True)
    )
    (total_after, idle_after), (total_before, idle_before) = after[4], before[4]
    busy = 1 - (idle_after - idle_before) / (total_after - total_before)
    print(
        f"newsroom, {args.editors} editors over HTTP (serve --workers {args.workers} + project"
        f"{f', {args.stories} shared stories' if args.stories else ''}"
        f"{', a connection per request' if args.reconnect else ''}): "
        f"{rate:,.0f} appends/s, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
        f"{f', {refused} answered 409 too busy' if refused else ''}"
    )
    print(
        f"CPU per append: web {web_us:,.0f} us, projector {projector_us:,.0f} us, "
        f"PostgreSQL {postgres_us:,.0f} us, this client {client_us:,.0f} us; machine {busy:.0%} busy"
    )
    print(
        f"ratio: {rate / ceiling:.2f}x pgbench (target >= 0.25x), {rate / floor:.2f}x the stack floor, "
        f"{rate / projected_floor:.2f}x the floor with a read model"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
