"""Soak: thousands of live readers and steady writes for ten minutes; is memory and latency flat?

    .venv/bin/python bench/soak.py [--minutes 10] [--readers 2000] [--rate 5] [--window 60]

Newsroom runs as in production (`newsroom serve` + `newsroom project`, scratch PostgreSQL, its own Redis).
The readers follow one story; an editor POSTs `--rate` updates a second to it through the API. Every window
prints the server's RSS (serve + projector), the POST-to-receipt latency of that window's deliveries
(p50 / p99), and any delivery missing. At the end: the drift of RSS and p99 from the first window after
warm-up to the last. Target: flat within 10%.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import Readers, newsroom, rss_bytes


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def soak(
    base: str, token: str, pids: list[int], args: argparse.Namespace
) -> list[tuple[float, float, float, int]]:
    headers = {"Authorization": f"Bearer {token}"}
    slug = "soak"
    windows: list[tuple[float, float, float, int]] = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        (
            await client.post("/api/articles", json={"slug": slug, "headline": "Soak", "body": "B"})
        ).raise_for_status()
        published = await client.post(f"/api/articles/{slug}/publish")
        await client.get(f"/api/articles/{slug}", params={"after": published.json()["position"]})
        host, port = base.removeprefix("http://").split(":")
        readers = Readers(host, int(port), f"/api/articles/{slug}/live")
        await readers.connect(args.readers)
        body = {"body": "The river is rising at the weir; sandbags at Quay Street. " * 3, "label": "Soak"}
        sent: dict[int, float] = {}
        end = time.monotonic() + args.minutes * 60
        window_end = time.monotonic() + args.window
        interval = 1 / args.rate
        print(f"{'minute':>7} {'RSS MB':>8} {'p50 ms':>8} {'p99 ms':>8} {'missing':>8}", flush=True)
        while time.monotonic() < end:
            started = time.perf_counter()
            response = await client.post(f"/api/articles/{slug}/updates", json=body)
            sent[int(response.json()["position"])] = started
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
            if time.monotonic() >= window_end:
                await asyncio.sleep(1.0)  # let this window's last deliveries land
                latencies: list[float] = []
                missing = 0
                for ident, at in sent.items():
                    times = readers.received.pop(ident, [])
                    missing += args.readers - len(times)
                    latencies.extend((t - at) * 1000 for t in times)
                sent.clear()
                rss = rss_bytes(pids) / 1e6
                row = (rss, percentile(latencies, 0.5), percentile(latencies, 0.99), missing)
                windows.append(row)
                minute = args.minutes - (end - time.monotonic()) / 60
                print(f"{minute:7.1f} {row[0]:8.1f} {row[1]:8.1f} {row[2]:8.1f} {row[3]:8d}", flush=True)
                window_end = time.monotonic() + args.window
        await readers.close()
    return windows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--readers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=5, help="updates per second")
    parser.add_argument("--window", type=float, default=60, help="seconds per report line")
    args = parser.parse_args()
    print(
        f"soak: {platform.node()} {platform.machine()}, Python {platform.python_version()}, "
        f"{args.readers:,} readers, {args.rate:g} updates/s, {args.minutes:g} minutes"
    )
    with tempfile.TemporaryDirectory() as workdir, newsroom(Path(workdir)) as (base, token, pids):
        windows = uvloop.run(soak(base, token, pids, args))
    if len(windows) >= 3:
        first, last = windows[1], windows[-1]  # the first window is warm-up
        rss_drift = last[0] / first[0] - 1
        p99_drift = last[2] / first[2] - 1
        print(
            f"drift from the second window to the last: RSS {rss_drift:+.1%}, p99 {p99_drift:+.1%}; "
            f"missing deliveries {sum(w[3] for w in windows)} (target: flat within 10%)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
