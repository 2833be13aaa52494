"""The edge on one machine: readers held by two Pushpins, pages kept by a caching nginx, three web processes
and a projector behind them; side by side with today's direct mode, in the same run.

    .venv/bin/python bench/edge.py [--readers 20000] [--page-rate 500] [--messages 10] [--page-seconds 20]

Both modes run the shape compose.yaml runs: PostgreSQL (a scratch database), a Redis of their own, three
`newsroom serve` processes (projector external) and one `newsroom project`. Direct: the readers connect to
the web processes and the page readers ask them. Edge: deploy/pushpin.conf twice (each holds half the
readers, routing to the cache) and deploy/nginx.conf in front of the web processes (NEWSROOM_GRIP_URL names
both Pushpins, NEWSROOM_PURGE_URL the cache). Readers are bench/crowd.py processes (about 10,000 each),
resuming from the page's position as the story page does.

Measured, each mode: origin CPU (web processes and projector) per connected reader, over connecting them
all and sending ``--messages`` updates; POST -> receipt latency of those updates; origin CPU per page view
and the cache's hit ratio over ``--page-seconds`` of page readers at ``--page-rate`` between changes.
Edge only: one Pushpin is killed (kill -9) while updates continue; its readers come back through the other
with Last-Event-ID: lost and doubled messages across every reader, and how long until all had caught up.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import cpu_seconds, free_port, own_redis, wait_http
from bench.scratch import scratch_database
from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.edges import running_nginx, running_pushpin

ROOT = Path(__file__).resolve().parents[1]
SLUG = "night-of-the-count"
PER_CROWD = 10_000  # readers one client process holds (open files, and a core's share)
# A process here may open 20,000 files at most (the hard limit, not to be raised): tests/edges.py lets one
# Pushpin hold 18,000 readers; the kill drill goes on with 16,000, some room for sockets not yet reaped.
SURVIVOR_READERS = 16_000
DELIVERY_SECONDS = 30  # how long the messages measured may take to reach every reader
DRILL_SECONDS = 120  # how long readers of a killed Pushpin may take to be back and caught up
WEB_PROCESSES = 3
PAGES = [f"/articles/{SLUG}", "/", f"/articles/{SLUG}/feed.atom"]


@dataclass
class Origin:
    ports: list[int]
    token: str
    pids: list[int]  # web processes and the projector: what "origin CPU" counts

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"


@contextmanager
def origin(workdir: Path, web_ports: list[int], **settings: str) -> Iterator[Origin]:
    """Three web processes and a projector on a scratch PostgreSQL and a Redis of their own."""
    workdir.mkdir(parents=True, exist_ok=True)
    with scratch_database("postgres") as database_url, own_redis(workdir) as redis_url:
        app = Newsroom.from_url(database_url)
        _, token = app.add_staff("bench", Role.EDITOR, by=OPERATOR)
        app.close()
        env = {
            **os.environ,
            "NEWSROOM_DATABASE_URL": database_url,
            "NEWSROOM_REDIS_URL": redis_url,
            "NEWSROOM_PROJECTOR": "external",
            "NEWSROOM_MAX_STREAMS": "100000",
            "NEWSROOM_MAX_STREAMS_PER_CLIENT": "100000",  # every reader here comes from 127.0.0.1
            "NEWSROOM_TRUSTED_PROXIES": "127.0.0.1",
            **settings,
        }
        logs = open(workdir / "origin.log", "ab")  # noqa: SIM115 - closed with the processes
        quiet = {"stdout": subprocess.DEVNULL, "stderr": logs, "cwd": ROOT, "env": env}
        processes = [subprocess.Popen([sys.executable, "-m", "newsroom_cli", "project"], **quiet)]  # type: ignore[call-overload]
        for port in web_ports:
            command = ["serve", "--port", str(port), "--log-level", "warning"]
            processes.append(subprocess.Popen([sys.executable, "-m", "newsroom_cli", *command], **quiet))  # type: ignore[call-overload]
        try:
            for port in web_ports:
                wait_http(f"http://127.0.0.1:{port}/healthz")
            yield Origin(web_ports, token, [process.pid for process in processes])
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            logs.close()


class Crowd:
    """A bench/crowd.py process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "crowd.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )

    def ask(self, command: dict[str, object]) -> dict[str, object]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(orjson.dumps(command) + b"\n")
        self.process.stdin.flush()
        answer: dict[str, object] = orjson.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b'{"op": "close"}\n')
            self.process.stdin.flush()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Mode:
    name: str
    cached: bool = False  # page readers ask a cache
    readers: int = 0
    connected: int = 0
    cpu_per_reader_ms: float = 0.0
    receipt_ms: list[float] = field(default_factory=list)
    missing: int = 0
    page_views: int = 0
    cpu_per_page_ms: float = 0.0
    hit_ratio: float | None = None
    page_errors: int = 0
    reconnects: int = 0
    answers: dict[str, float] = field(default_factory=dict)  # the origin's GRIP answers, by kind
    drill_readers: int = 0  # readers through the kill -9 drill
    lost: int | None = None
    doubled: int | None = None
    caught_up_s: float | None = None
    exact: int | None = None

    def percentile(self, q: float) -> float:
        ordered = sorted(self.receipt_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def lines(self) -> list[str]:
        hits = f"hit ratio {self.hit_ratio:.4f}" if self.hit_ratio is not None else "no cache"
        out = [
            f"{self.name:6} readers {self.connected:,}/{self.readers:,}: "
            f"origin CPU {self.cpu_per_reader_ms:.3f} ms/reader; "
            f"POST->receipt p50 {self.percentile(0.5):.1f} ms, p99 {self.percentile(0.99):.1f} ms"
            + (f", MISSING {self.missing}" if self.missing else "")
            + (f", {self.reconnects} reconnects" if self.reconnects else "")
            + (f"; origin answered {self.answers}" if self.answers else ""),
            f"{self.name:6} pages {self.page_views:,}: origin CPU {self.cpu_per_page_ms:.3f} ms/view, {hits}"
            + (f", {self.page_errors} errors" if self.page_errors else ""),
        ]
        if self.lost is not None:
            out.append(
                f"{self.name:6} kill -9 of one Pushpin under {self.drill_readers:,} readers: "
                f"lost {self.lost}, doubled {self.doubled}, {self.exact:,} readers exact, "
                f"all caught up {self.caught_up_s:.1f} s after the kill"
            )
        return out


def grip_answers(origin_: Origin) -> dict[str, float]:
    """What the web processes answered GRIP proxies, by kind (hold, recover, resync), summed."""
    found: dict[str, float] = {}
    for port in origin_.ports:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        for kind, count in re.findall(
            r'^newsroom_grip_answers_total\{kind="(\w+)"\} ([0-9.e+]+)$', text, re.M
        ):
            found[kind] = found.get(kind, 0.0) + float(count)
    return found


def post_update(client: httpx.Client, text: str) -> tuple[int, float]:
    started = time.time()
    response = client.post(f"/api/articles/{SLUG}/updates", json={"body": text})
    response.raise_for_status()
    return int(response.json()["position"]), started


def prepare_story(client: httpx.Client) -> int:
    client.post(
        "/api/articles", json={"slug": SLUG, "headline": "The count goes on", "body": "Polls closed."}
    ).raise_for_status()
    client.post(f"/api/articles/{SLUG}/publish").raise_for_status()
    position = 0
    for n in range(5):
        position, _ = post_update(client, f"Ward {n + 1} has declared. " * 5)
    page = client.get(f"/api/articles/{SLUG}", params={"after": position}).json()
    return int(page["position"])


IN_FLIGHT = 64  # page readers' connections; with none free, a reader gives up (an origin that cannot keep up)


async def _page(
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], host: str, path: str
) -> tuple[int, bool]:
    """One GET over a kept-alive connection: (status, served by the cache)."""
    reader, writer = connection
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    else:  # chunked
        while (size := int((await reader.readuntil(b"\r\n")).strip(), 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    return status, fields.get("x-cache") == "HIT"


async def page_load(base_urls: list[str], rate: float, seconds: float) -> tuple[int, int, int]:
    """Page readers at ``rate`` a second for ``seconds`` over IN_FLIGHT kept-alive connections (raw
    HTTP/1.1: the client shares the cores): (views, cache hits, errors: failed, or given up on because
    every connection was waiting)."""
    views = hits = errors = 0
    targets = [base.removeprefix("http://").split(":") for base in base_urls]
    idle = []
    for n in range(IN_FLIGHT):
        host, port = targets[n % len(targets)]
        idle.append((await asyncio.open_connection(host, int(port)), host))
    paths = itertools.cycle(PAGES)

    async def one(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], host: str) -> None:
        nonlocal views, hits, errors
        try:
            status, hit = await _page(connection, host, next(paths))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            return  # the connection is not given back
        views += 1
        errors += status != 200
        hits += hit
        idle.append((connection, host))

    started = time.monotonic()
    tasks = []
    for n in itertools.count():
        ahead = n / rate - (time.monotonic() - started)
        if ahead > 0:
            await asyncio.sleep(ahead)
        if time.monotonic() - started >= seconds:
            break
        if not idle:
            errors += 1
            continue
        tasks.append(asyncio.ensure_future(one(*idle.pop())))
    await asyncio.gather(*tasks)
    for (_, writer), _ in idle:
        writer.close()
    return views, hits, errors


def run_mode(
    mode: Mode,
    origin_: Origin,
    reader_targets: list[list[tuple[str, int]]],
    page_bases: list[str],
    args: argparse.Namespace,
    kill: object = None,
) -> None:
    headers = {"Authorization": f"Bearer {origin_.token}"}
    with httpx.Client(base_url=origin_.base, headers=headers, timeout=30) as client, ExitStack() as stack:
        page_position = prepare_story(client)
        crowds = []
        for targets in reader_targets:
            crowd = Crowd()
            stack.callback(crowd.close)
            crowds.append((crowd, targets))
        share = args.readers // len(crowds)
        mode.readers = share * len(crowds)
        cpu_before = cpu_seconds(origin_.pids)
        connected = 0
        # The crowds connect side by side, each to its own edge.
        for crowd, targets in crowds:
            assert crowd.process.stdin is not None
            command = {
                "op": "connect",
                "targets": targets,
                "path": f"/api/articles/{SLUG}/live",
                "count": share,
                "rate": args.ramp / len(crowds),
                "last_event_id": page_position,
            }
            crowd.process.stdin.write(orjson.dumps(command) + b"\n")
            crowd.process.stdin.flush()
        for crowd, _ in crowds:
            assert crowd.process.stdout is not None
            connected += int(orjson.loads(crowd.process.stdout.readline())["connected"])
        mode.connected = connected
        time.sleep(2)
        warm, _ = post_update(client, "Turnout is up on last time.")
        sent: dict[str, float] = {}
        expected = [warm]
        time.sleep(2)
        for n in range(args.messages):
            position, started = post_update(client, f"Recount ordered in ward {n}.")
            sent[str(position)] = started
            expected.append(position)
            time.sleep(0.5)
        delivered(crowds, expected, DELIVERY_SECONDS)
        mode.cpu_per_reader_ms = (cpu_seconds(origin_.pids) - cpu_before) * 1000 / max(1, connected)
        mode.answers = grip_answers(origin_)
        for crowd, _ in crowds:
            found = crowd.ask({"op": "latencies", "sent": sent})
            mode.receipt_ms.extend(found["ms"])  # type: ignore[arg-type]
            mode.missing += int(found["missing"])  # type: ignore[call-overload]
            mode.reconnects += int(found["reconnects"])  # type: ignore[call-overload]
        # Page readers between changes, the live readers still connected.
        cpu_before = cpu_seconds(origin_.pids)
        views, hits, errors = asyncio.run(page_load(page_bases, args.page_rate, args.page_seconds))
        mode.cpu_per_page_ms = (cpu_seconds(origin_.pids) - cpu_before) * 1000 / max(1, views)
        mode.page_views, mode.page_errors = views, errors
        if mode.cached:
            mode.hit_ratio = hits / max(1, views)
        if kill is not None:
            # The Pushpin left must hold every reader: no more than a process here may have files open.
            keep = min(share, SURVIVOR_READERS // len(crowds))
            for crowd, _ in crowds:
                crowd.ask({"op": "trim", "keep": keep})
            mode.drill_readers = keep * len(crowds)
            time.sleep(2)
            killed_at = time.time()
            kill()  # type: ignore[operator]
            for n in range(3):
                time.sleep(1.0)
                position, _ = post_update(client, f"Written while a proxy is down, {n}.")
                expected.append(position)
            checks = delivered(crowds, expected, DRILL_SECONDS)
            lost = sum(int(check["lost"]) for check in checks)  # type: ignore[call-overload]
            mode.lost = lost
            if lost:
                print(
                    "missing by id:",
                    [check["missing"] for check in checks],
                    "open:",
                    [check["open"] for check in checks],
                )
            mode.doubled = sum(int(check["doubled"]) for check in checks)  # type: ignore[call-overload]
            mode.exact = sum(int(check["exact"]) for check in checks)  # type: ignore[call-overload]
            mode.caught_up_s = max(float(check["caught_up_at"]) for check in checks) - killed_at  # type: ignore[arg-type]


def delivered(
    crowds: list[tuple[Crowd, list[tuple[str, int]]]], expected: list[int], within: float
) -> list[dict[str, object]]:
    """Waits until every reader has every message expected (or ``within`` seconds pass); the checks."""
    deadline = time.monotonic() + within
    while True:
        checks = [crowd.ask({"op": "check", "expected": expected}) for crowd, _ in crowds]
        if all(check["lost"] == 0 for check in checks) or time.monotonic() > deadline:
            return checks
        time.sleep(0.5)


def direct(args: argparse.Namespace, workdir: Path) -> Mode:
    mode = Mode("direct")
    ports = [free_port() for _ in range(WEB_PROCESSES)]
    with origin(workdir / "direct", ports) as origin_:
        addresses = [("127.0.0.1", port) for port in ports]
        crowds = max(1, -(-args.readers // PER_CROWD))
        targets = [addresses[n:] + addresses[:n] for n in range(crowds)]
        run_mode(mode, origin_, targets, [f"http://127.0.0.1:{port}" for port in ports], args)
    return mode


def edge(args: argparse.Namespace, workdir: Path) -> Mode:
    mode = Mode("edge", cached=True)
    ports = [free_port() for _ in range(WEB_PROCESSES)]
    with ExitStack() as stack:
        cache = stack.enter_context(running_nginx(workdir / "nginx", ports))
        proxies = [
            stack.enter_context(running_pushpin(workdir / f"pushpin-{n}", cache.port)) for n in range(2)
        ]
        origin_ = stack.enter_context(
            origin(
                workdir / "edge",
                ports,
                NEWSROOM_GRIP_URL=",".join(proxy.grip_url for proxy in proxies),
                NEWSROOM_PURGE_URL=cache.purge_url,
            )
        )
        addresses = [("127.0.0.1", proxy.port) for proxy in proxies]
        run_mode(mode, origin_, [addresses, addresses[::-1]], [cache.url], args, kill=proxies[0].kill)
    return mode


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readers", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--page-rate", type=float, default=500.0)
    parser.add_argument("--page-seconds", type=float, default=20.0)
    parser.add_argument("--ramp", type=float, default=500.0, help="new readers a second, over all crowds")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_KEEP")) as scratch:
        workdir = Path(scratch)
        theirs = direct(args, workdir)
        ours = edge(args, workdir)
    for mode in (theirs, ours):
        for line in mode.lines():
            print(line)
    reader_ratio = ours.cpu_per_reader_ms / max(theirs.cpu_per_reader_ms, 1e-9)
    page_ratio = ours.cpu_per_page_ms / max(theirs.cpu_per_page_ms, 1e-9)
    p99_ratio = ours.percentile(0.99) / max(theirs.percentile(0.99), 1e-9)
    print(f"origin CPU per reader, edge / direct: {reader_ratio:.3f}x (goal <= 0.1x)")
    print(f"origin CPU per page view, edge / direct: {page_ratio:.3f}x")
    print(f"POST->receipt p99, edge / direct: {p99_ratio:.2f}x (goal <= 1.5x)")
    print(f"cache hit ratio between changes: {ours.hit_ratio:.4f} (goal >= 0.99)")
    print(
        f"kill -9 of one Pushpin: lost {ours.lost}, doubled {ours.doubled}, caught up in "
        f"{ours.caught_up_s:.1f} s (goal 0, 0, <= 10 s)"
    )


if __name__ == "__main__":
    main()
