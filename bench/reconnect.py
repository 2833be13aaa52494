"""Readers coming back: a web process dies under 10,000 readers, and its readers reconnect with Last-Event-ID.

    .venv/bin/python bench/reconnect.py [--readers 10000] [--connections 3000] [--no-peer]

Newsroom runs as in production: `newsroom serve --workers 2` and `newsroom project` on a scratch PostgreSQL
database and a Redis server of its own. Two parts, each measured in this run:

1. CPU per new connection: ``--connections`` readers connect (ramped at 500/s) with a Last-Event-ID a few
   updates back, as a reconnecting reader does; the server processes' CPU over the ramp, less what they
   spend idle, divided by the readers. The same for Pushpin (Debian's package, bench/setup-peers.sh): its
   processes and a minimal GRIP origin process of its own, which hands each request to Pushpin to hold.
2. A worker killed: ``--readers`` readers on the story's stream while an update is posted every 100 ms;
   one of the two uvicorn workers is killed with SIGKILL (uvicorn starts a new one). Its readers see the
   connection drop, wait the ``retry:`` the server gave them (drawn from 1-3 s for each stream) and
   reconnect with Last-Event-ID, as EventSource does. Reported: the time from the kill until every one of
   them has all it missed (and half of them); messages lost and doubled over every reader (both must
   be 0).

Targets: all back <= 10 s; CPU per new connection <= 1.0x Pushpin's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import cpu_seconds, free_port, newsroom, processes, pushpin, wait_port

ID = re.compile(rb"\nid: (\d+)\n")
RETRY = re.compile(rb"\nretry: (\d+)\n")
RAMP_PER_SECOND = 500
SLUG = "night-storm"
POST_EVERY = 0.1


@dataclass
class Bench:
    host: str
    port: int
    path: str
    stopping: bool = False
    readers: list[Reader] = field(default_factory=list)


class Reader(asyncio.Protocol):
    """One EventSource-like reader: keeps every id it is sent, and after a drop waits the server's
    ``retry:`` and reconnects with Last-Event-ID."""

    def __init__(self, bench: Bench, last_id: int) -> None:
        self.bench = bench
        self.last_id = last_id
        self.ids: list[int] = []
        self.received_at: list[float] = []
        self.retry_ms = 2000
        self.tail = b""
        self.transport: asyncio.Transport | None = None
        self.opened = asyncio.get_running_loop().create_future()
        self.connects: list[float] = []  # when each connection's response began
        self.dropped_at: float | None = None
        self.refusals: list[bytes] = []

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: self, self.bench.host, self.bench.port)
        except OSError:
            loop.call_later(self.retry_ms / 1000, lambda: loop.create_task(self.connect()))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = writer = transport  # type: ignore[assignment]
        self.tail = b""
        writer.write(  # type: ignore[attr-defined]
            f"GET {self.bench.path} HTTP/1.1\r\nHost: {self.bench.host}\r\nAccept: text/event-stream\r\n"
            f"Last-Event-ID: {self.last_id}\r\n\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self.tail:
            if not data.startswith(b"HTTP/1.1 200"):  # refused (503 while the server is busy): try again
                self.refusals.append(data[:60])
                assert self.transport is not None
                self.transport.close()
                return
            self.connects.append(now)
            if not self.opened.done():
                self.opened.set_result(None)
        buffer = self.tail + data
        for match in ID.finditer(buffer):
            ident = int(match.group(1))
            if ident > self.last_id:  # the tail kept for a split id can hold one already counted
                self.last_id = ident
                self.ids.append(ident)
                self.received_at.append(now)
        for match in RETRY.finditer(buffer):
            self.retry_ms = int(match.group(1))
        self.tail = buffer[-64:] or b"\n"

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.bench.stopping:
            return
        if self.dropped_at is None:
            self.dropped_at = time.perf_counter()
        loop = asyncio.get_running_loop()
        loop.call_later(self.retry_ms / 1000, lambda: loop.create_task(self.connect()))


async def ramp(bench: Bench, count: int, last_id: int) -> None:
    started = time.monotonic()
    for n in range(count):
        reader = Reader(bench, last_id)
        bench.readers.append(reader)
        await reader.connect()
        await reader.opened
        ahead = (n + 1) / RAMP_PER_SECOND - (time.monotonic() - started)
        if ahead > 0:
            await asyncio.sleep(ahead)


def close_all(bench: Bench) -> None:
    bench.stopping = True
    for reader in bench.readers:
        if reader.transport is not None:
            reader.transport.close()


def workers_of(server: int) -> list[int]:
    """uvicorn's worker processes (not multiprocessing's resource tracker, also a child)."""
    return sorted(
        pid
        for pid, _, fields in processes()
        if int(fields[1]) == server and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )


async def idle_cpu(pids: list[int], seconds: float) -> float:
    """CPU per second the processes spend with nothing to do (heartbeats, polls)."""
    before = cpu_seconds(pids)
    await asyncio.sleep(seconds)
    return (cpu_seconds(pids) - before) / seconds


async def per_connection(pids: list[int], bench: Bench, count: int, last_id: int) -> float:
    """Server CPU per new connection over a ramp of ``count`` readers, less idle CPU; in ms."""
    idle = await idle_cpu(pids, 3.0)
    started, before = time.monotonic(), cpu_seconds(pids)
    await ramp(bench, count, last_id)
    await asyncio.sleep(0.5)
    spent = cpu_seconds(pids) - before - idle * (time.monotonic() - started)
    close_all(bench)
    await asyncio.sleep(1.0)
    return spent * 1000 / count


# -- Newsroom ----------------------------------------------------------------------------------------------


async def publish_story(client: httpx.AsyncClient) -> None:
    (
        await client.post("/api/articles", json={"slug": SLUG, "headline": "Storm", "body": "Wind."})
    ).raise_for_status()
    published = await client.post(f"/api/articles/{SLUG}/publish")
    await client.get(f"/api/articles/{SLUG}", params={"after": published.json()["position"]})


async def post(client: httpx.AsyncClient, n: int) -> int:
    """An update, as an editor's client sends it: retried on a dropped connection (the worker it was
    kept open to may be the one killed), under an Idempotency-Key so it is kept once."""
    for _ in range(20):
        try:
            response = await client.post(
                f"/api/articles/{SLUG}/updates",
                json={"body": f"Gusts of {60 + n % 40} mph."},
                headers={"Idempotency-Key": f"bench-{n}"},
            )
        except httpx.TransportError:
            await asyncio.sleep(0.05)
            continue
        response.raise_for_status()
        return int(response.json()["position"])
    raise RuntimeError("the server did not take an update in 20 tries")


async def newsroom_per_connection(connections: int) -> float:
    with tempfile.TemporaryDirectory() as scratch, newsroom(Path(scratch), workers=2) as (base, token, pids):
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            await publish_story(client)
            positions = [await post(client, n) for n in range(5)]
        host, port = base.removeprefix("http://").split(":")
        bench = Bench(host, int(port), f"/api/articles/{SLUG}/live")
        return await per_connection(pids, bench, connections, positions[1])  # three updates back


async def newsroom_kill(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch, newsroom(Path(scratch), workers=2) as (base, token, pids):
        server = pids[0]
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            await publish_story(client)
            start = await post(client, 0)
            host, port = base.removeprefix("http://").split(":")
            bench = Bench(host, int(port), f"/api/articles/{SLUG}/live")
            await ramp(bench, count, start)
            posted: list[tuple[int, float]] = []
            stop_posting = asyncio.Event()

            async def keep_posting() -> None:
                n = 1
                while not stop_posting.is_set():
                    started = time.perf_counter()
                    position = await post(client, n)
                    posted.append((position, started))
                    n += 1
                    await asyncio.sleep(max(0.0, POST_EVERY - (time.perf_counter() - started)))

            poster = asyncio.create_task(keep_posting())
            await asyncio.sleep(3.0)
            victim = workers_of(server)[0]
            killed_at = time.perf_counter()
            os.kill(victim, signal.SIGKILL)
            await asyncio.sleep(15.0)
            stop_posting.set()
            await poster
            await asyncio.sleep(3.0)  # the last updates reach everyone
            close_all(bench)
        expected = [position for position, _ in posted]
        lost = doubled = 0
        back: list[float] = []
        reconnections = 0
        for reader in bench.readers:
            got = set(reader.ids)
            lost += len(set(expected) - got)
            doubled += len(reader.ids) - len(got)
            if reader.dropped_at is None:
                continue
            reconnections += 1
            returned = next((at for at in reader.connects if at > reader.dropped_at), None)
            if returned is None:
                back.append(float("inf"))
                continue
            # Back and caught up once it has every update posted before it reconnected.
            due = [position for position, at in posted if at < returned]
            arrived = dict(zip(reader.ids, reader.received_at, strict=True))
            if any(position not in arrived for position in due):
                back.append(float("inf"))
            else:
                back.append(max((arrived[p] for p in due), default=returned) - killed_at)
        return {
            "readers": count,
            "dropped": reconnections,
            "all_back_s": max(back, default=0.0),
            "lost": lost,
            "doubled": doubled,
            "back_p50_s": sorted(back)[len(back) // 2] if back else 0.0,
            "updates": len(expected),
        }


# -- Pushpin -----------------------------------------------------------------------------------------------

ORIGIN = textwrap.dedent(
    """
    import asyncio, sys
    from bench.fanout import GripOrigin
    async def main():
        server = await asyncio.get_running_loop().create_server(GripOrigin, "127.0.0.1", int(sys.argv[1]))
        await server.serve_forever()
    asyncio.run(main())
    """
)


async def pushpin_per_connection(connections: int) -> float:
    origin_port = free_port()
    origin = subprocess.Popen(
        [sys.executable, "-c", ORIGIN, str(origin_port)], cwd=Path(__file__).resolve().parents[1]
    )
    try:
        wait_port(origin_port)
        with tempfile.TemporaryDirectory() as scratch, pushpin(Path(scratch), origin_port) as (port, pids):
            bench = Bench("127.0.0.1", port, "/stream")
            return await per_connection([*pids, origin.pid], bench, connections, 3)
    finally:
        origin.terminate()
        origin.wait(timeout=10)


async def main_async(readers: int, connections: int, peer: bool) -> None:
    ours = await newsroom_per_connection(connections)
    print(
        f"newsroom  CPU per new connection ({connections:,} connecting at {RAMP_PER_SECOND}/s): {ours:.2f} ms"
    )
    if peer:
        theirs = await pushpin_per_connection(connections)
        print(f"pushpin   CPU per new connection (the same): {theirs:.2f} ms")
        print(f"ratio     {ours / theirs:.2f}x (Newsroom / Pushpin; target <= 1.0)")
    kill = await newsroom_kill(readers)
    print(
        f"killed    1 of 2 workers under {kill['readers']:,} readers ({kill['updates']:.0f} updates posted): "
        f"{kill['dropped']:,.0f} readers dropped, all back and caught up in {kill['all_back_s']:.1f} s "
        f"(target <= 10) and half in {kill['back_p50_s']:.1f} s; lost {kill['lost']:.0f}, "
        f"doubled {kill['doubled']:.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=3000)
    parser.add_argument("--no-peer", action="store_true", help="skip Pushpin")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(
        f"reconnect: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}"
    )
    uvloop.run(main_async(args.readers, args.connections, not args.no_peer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
