"""Fan-out: N live readers on one machine, one update at a time; Newsroom side by side with Pushpin.

    .venv/bin/python bench/fanout.py [--readers 1,1000,5000,10000] [--messages 10]

Newsroom runs as it does in production: `newsroom serve` (one process, projector external) and
`newsroom project`, on a scratch PostgreSQL database and a Redis server of its own. Each update is POSTed
through the API; latency runs from the POST to the moment each reader has the frame. Pushpin (Debian's
package, set up by bench/setup-peers.sh) is given frames of the same size through its publish endpoint, with
a small GRIP origin holding its streams; latency runs from the publish POST to receipt. The same client
reads both: raw asyncio sockets, connections ramped at 500/s.

Reported per N: p50 / p99 / max delivery latency, server CPU per delivery (the serve and projector
processes; all Pushpin processes), and RSS per connected idle reader; then the ratios Newsroom / Pushpin.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import scratch_database
from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from web.fanout.frames import frame

ROOT = Path(__file__).resolve().parents[1]
ID = re.compile(rb"\nid: (\d+)\n")
RAMP_PER_SECOND = 500
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def processes() -> Iterator[tuple[int, str, list[str]]]:
    """Every process now: its pid, its name, and the fields of /proc/<pid>/stat after the name."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except OSError:
            continue
        yield int(stat.parent.name), name, fields.split()


def cpu_ticks(fields: list[str]) -> int:
    return int(fields[11]) + int(fields[12])  # utime + stime


def with_children(pids: list[int]) -> list[int]:
    """The processes and their children (uvicorn's workers are children of `newsroom serve`)."""
    return sorted({*pids, *(pid for pid, _, fields in processes() if int(fields[1]) in pids)})


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in with_children(pids):
        total += cpu_ticks(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())
    return total / TICKS


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in with_children(pids):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def wait_port(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def wait_streaming(port: int, timeout: float = 30) -> None:
    """Until a stream opens through Pushpin: it listens before its processes are wired to each other, and a
    reader that comes in between is dropped (seen as "closed before the headers" on a busy machine)."""
    import socket

    request = b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    deadline = time.monotonic() + timeout
    while True:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as probe:
            probe.sendall(request)
            try:
                if probe.recv(64).startswith(b"HTTP/1.1 200"):
                    return
            except OSError:
                pass
        if time.monotonic() > deadline:
            raise ConnectionError(f"Pushpin on port {port} opens no stream")
        time.sleep(0.2)


# -- the client --------------------------------------------------------------------------------------------


class _Stream(asyncio.Protocol):
    """One reader: notes when each id arrives. A protocol, not a StreamReader and a task per reader: the
    client shares the machine's two cores with the server, and should take as little of them as it can."""

    def __init__(self, received: dict[int, list[float]], headers_seen: asyncio.Future[None]) -> None:
        self.received = received
        self.headers_seen = headers_seen
        self.tail = b""
        self.last_id = -1
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self.headers_seen.done() and b"\r\n\r\n" in data:
            self.headers_seen.set_result(None)
        buffer = self.tail + data
        for match in ID.finditer(buffer):
            ident = int(match.group(1))
            if ident > self.last_id:  # the tail kept for a split id can hold one already counted
                self.last_id = ident
                self.received.setdefault(ident, []).append(now)
        self.tail = buffer[-32:]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.headers_seen.done():
            self.headers_seen.set_exception(ConnectionError("closed before the headers"))


@dataclass
class Readers:
    """N raw-socket SSE readers recording when each id arrives."""

    host: str
    port: int
    path: str
    received: dict[int, list[float]] = field(default_factory=dict)
    streams: list[_Stream] = field(default_factory=list)

    async def connect(self, count: int) -> None:
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        for n in range(count):
            headers_seen: asyncio.Future[None] = loop.create_future()
            stream = _Stream(self.received, headers_seen)
            await loop.create_connection(lambda stream=stream: stream, self.host, self.port)  # type: ignore[misc]
            assert stream.transport is not None
            stream.transport.write(request)
            self.streams.append(stream)
            await headers_seen
            ahead = (n + 1) / RAMP_PER_SECOND - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)

    async def wait_all(self, ident: int, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received.get(ident, ())) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.002)

    async def close(self) -> None:
        for stream in self.streams:
            if stream.transport is not None:
                stream.transport.close()
        await asyncio.sleep(0)


@dataclass
class Result:
    name: str
    readers: int
    latencies_ms: list[float]
    cpu_us_per_delivery: float
    rss_per_reader: float
    missing: int

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def line(self) -> str:
        return (
            f"{self.name:9} N={self.readers:>6}: p50 {self.percentile(0.5):7.1f} ms  p99 "
            f"{self.percentile(0.99):7.1f} ms  max {max(self.latencies_ms, default=float('nan')):7.1f} ms  "
            f"cpu {self.cpu_us_per_delivery:6.1f} us/delivery  "
            f"rss {self.rss_per_reader / 1024:6.1f} KB/reader"
            + (f"  MISSING {self.missing}" if self.missing else "")
        )


async def measure(
    name: str,
    readers: Readers,
    count: int,
    messages: int,
    pids: list[int],
    send: Callable[[], Awaitable[int]],
) -> Result:
    before_rss = rss_bytes(pids)
    await readers.connect(count)
    await asyncio.sleep(1.0)
    idle_rss = rss_bytes(pids)
    # One unmeasured message first: subscriptions and connections on every path are live after it.
    await readers.wait_all(await send(), count, timeout=10)
    latencies: list[float] = []
    missing = 0
    cpu_before = cpu_seconds(pids)
    for _ in range(messages):
        started = time.perf_counter()
        ident = await send()
        await readers.wait_all(ident, count)
        times = readers.received.get(ident, [])
        missing += count - len(times)
        latencies.extend((t - started) * 1000 for t in times)
        await asyncio.sleep(0.05)
    cpu = cpu_seconds(pids) - cpu_before
    await readers.close()
    return Result(
        name,
        count,
        latencies,
        cpu * 1e6 / max(1, count * messages),
        (idle_rss - before_rss) / max(1, count),
        missing,
    )


# -- Newsroom ----------------------------------------------------------------------------------------------


@contextmanager
def own_redis(directory: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait()


@contextmanager
def newsroom(workdir: Path, workers: int = 1) -> Iterator[tuple[str, str, list[int]]]:
    with scratch_database("postgres") as database_url, own_redis(workdir) as redis_url:
        app = Newsroom.from_url(database_url)
        _, token = app.add_staff("bench", Role.EDITOR, by=OPERATOR)
        app.close()
        port = free_port()
        workers_args = ["--workers", str(workers)]
        env = {
            **os.environ,
            "NEWSROOM_DATABASE_URL": database_url,
            "NEWSROOM_REDIS_URL": redis_url,
            "NEWSROOM_PROJECTOR": "external",
            "NEWSROOM_MAX_STREAMS": "100000",
            "NEWSROOM_MAX_STREAMS_PER_CLIENT": "100000",  # every reader here comes from 127.0.0.1
        }
        projector = subprocess.Popen(
            [sys.executable, "-m", "newsroom_cli", "project"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsroom_cli",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
                *workers_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(f"{base}/healthz")
            yield base, token, [server.pid, projector.pid]
        finally:
            for process in (server, projector):
                process.send_signal(signal.SIGTERM)
            for process in (server, projector):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


async def run_newsroom(
    base: str, token: str, pids: list[int], count: int, messages: int, slug: str
) -> Result:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        (
            await client.post("/api/articles", json={"slug": slug, "headline": "Bench", "body": "B"})
        ).raise_for_status()
        published = await client.post(f"/api/articles/{slug}/publish")
        await client.get(f"/api/articles/{slug}", params={"after": published.json()["position"]})
        body = "The river is rising at the weir. " * 6

        async def send() -> int:
            response = await client.post(
                f"/api/articles/{slug}/updates", json={"body": body, "label": "Bench"}
            )
            return int(response.json()["position"])

        host, port = base.removeprefix("http://").split(":")
        readers = Readers(host, int(port), f"/api/articles/{slug}/live")
        return await measure("newsroom", readers, count, messages, pids, send)


# -- Pushpin -----------------------------------------------------------------------------------------------


class GripOrigin(asyncio.Protocol):
    """Answers every request by asking Pushpin to hold it as an SSE stream on channel "bench"."""

    RESPONSE = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nGrip-Hold: stream\r\n"
        b"Grip-Channel: bench\r\nGrip-Keep-Alive: :\\n\\n; format=cstring; timeout=15\r\n"
        b"Content-Length: 0\r\n\r\n"
    )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if b"\r\n\r\n" in data:
            self.transport.write(self.RESPONSE)  # type: ignore[attr-defined]


@contextmanager
def pushpin(workdir: Path, origin_port: int) -> Iterator[tuple[int, list[int]]]:
    binary = shutil.which("pushpin")
    if binary is None:
        raise SystemExit("pushpin is not installed: run bench/setup-peers.sh")
    rundir, logdir = workdir / "run", workdir / "log"
    rundir.mkdir()
    logdir.mkdir()
    internal = (
        Path("/usr/lib/pushpin/internal.conf")
        .read_text()
        .replace("ipc:///var/run/zurl/zurl-", "ipc://{rundir}/{ipc_prefix}zurl-")
    )
    (workdir / "internal.conf").write_text(internal)
    config = Path("/etc/pushpin/pushpin.conf").read_text()
    http_port = free_port()
    replacements = {
        r"^include=.*$": f"include={workdir}/internal.conf",
        r"^rundir=.*$": f"rundir={rundir}",
        r"^logdir=.*$": f"logdir={logdir}",
        r"^http_port=.*$": f"http_port=127.0.0.1:{http_port}",
        r"^services=.*$": "services=condure,zurl,pushpin-proxy,pushpin-handler",
        r"^message_rate=.*$": "message_rate=1000000",
        r"^message_hwm=.*$": "message_hwm=1000000",
        r"^routesfile=.*$": f"routesfile={workdir}/routes",
    }
    for pattern, value in replacements.items():
        config = re.sub(pattern, value, config, flags=re.MULTILINE)
    (workdir / "pushpin.conf").write_text(config)
    (workdir / "routes").write_text(f"* 127.0.0.1:{origin_port}\n")
    process = subprocess.Popen(
        [binary, "--config", str(workdir / "pushpin.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_port(5561)
        wait_port(http_port)  # a stream needs the origin, on the caller's loop: see wait_streaming
        children = subprocess.run(
            ["pgrep", "-s", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        yield http_port, [int(pid) for pid in children]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # never leave a Pushpin holding its fixed ports
            process.wait()


async def run_pushpin(workdir: Path, count: int, messages: int, frame_size: int) -> Result:
    loop = asyncio.get_running_loop()
    origin_port = free_port()
    server = await loop.create_server(GripOrigin, "127.0.0.1", origin_port)
    try:
        with pushpin(workdir, origin_port) as (port, pids):
            await asyncio.to_thread(wait_streaming, port)
            counter = iter(range(1, 10**9))
            async with httpx.AsyncClient(timeout=30) as client:

                async def send() -> int:
                    ident = next(counter)
                    payload = b'{"kind":"update-appended","body":"' + b"x" * frame_size + b'"}'
                    content = frame("update-appended", payload, ident).decode()
                    item = {
                        "channel": "bench",
                        "id": str(ident),
                        "formats": {"http-stream": {"content": content}},
                    }
                    response = await client.post("http://127.0.0.1:5561/publish/", json={"items": [item]})
                    response.raise_for_status()
                    return ident

                readers = Readers("127.0.0.1", port, "/stream")
                return await measure("pushpin", readers, count, messages, pids, send)
    finally:
        server.close()


# -- main ----------------------------------------------------------------------------------------------------


async def main_async(counts: list[int], messages: int, peer: bool, workers: int = 1) -> None:
    for count in counts:
        with tempfile.TemporaryDirectory() as scratch:
            with newsroom(Path(scratch), workers=workers) as (base, token, pids):
                ours = await run_newsroom(base, token, pids, count, messages, f"bench-{count}")
            print(ours.line(), flush=True)
        if not peer:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            theirs = await run_pushpin(Path(scratch), count, messages, frame_size=600)
        print(theirs.line(), flush=True)
        # With one reader the CPU counters (clock ticks) can read 0: no ratio then.
        cpu_ratio = (
            f"{ours.cpu_us_per_delivery / theirs.cpu_us_per_delivery:5.2f}x"
            if theirs.cpu_us_per_delivery > 0
            else "  n/a"
        )
        print(
            f"{'ratio':9} N={count:>6}: p50 {ours.percentile(0.5) / theirs.percentile(0.5):5.2f}x  p99 "
            f"{ours.percentile(0.99) / theirs.percentile(0.99):5.2f}x  cpu {cpu_ratio}  rss "
            f"{ours.rss_per_reader / max(theirs.rss_per_reader, 1):5.2f}x  (Newsroom / Pushpin)",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--readers", default="1,1000,5000,10000")
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--no-peer", action="store_true", help="skip Pushpin")
    parser.add_argument("--workers", type=int, default=1, help="`newsroom serve --workers N`")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    print(
        f"fanout: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {args.messages} messages per N"
    )
    counts = [int(n) for n in args.readers.split(",")]
    uvloop.run(main_async(counts, args.messages, not args.no_peer, args.workers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
