"""Does a long story's page load as fast as a short one's? The reader page of a story with 10,000 updates
against one with 30, through a real `newsroom serve`.

    .venv/bin/python bench/page.py [--stores sqlite,postgres] [--long 10000] [--short 30] [--samples 400]

For each store it builds both stories (with a few comments each), projects them, starts the server, and
fetches the two pages alternately over one keep-alive connection, measuring each response from the request
to its last byte on loopback, and its size. Targets: ratio long/short of the median time <= 1.2, of the
bytes <= 1.2, and p99 <= 30 ms for both.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import scratch_database
from newsroom import Article, Newsroom
from newsroom.staff import OPERATOR
from projections.projector import Projector
from projections.registry import open_read_models
from tests.server import running_server

TARGET_RATIO = 1.2
TARGET_P99_MS = 30.0


def build_story(app: Newsroom, slug: str, updates: int) -> None:
    article = Article.draft(
        slug=slug,
        headline="The river watch",
        body="Levels are **rising** along the valley; see [the gauges](https://example.org/gauges).",
        byline_name="Bench Writer",
        tags=["rivers"],
        actor=OPERATOR.actor,
    )
    article.publish(actor=OPERATOR.actor)
    for n in range(5):
        article.add_comment(author=f"Reader {n}", body="Thank you for keeping us posted.", reply_to=None)
    app.save(article)
    for start in range(0, updates, 500):
        for i in range(start, min(updates, start + 500)):
            article.append_update(
                body=f"Reading {i}: the gauge at **Mill Bridge** shows {i % 300} cm.\n\n- Quay Street closed",
                headline=f"Reading {i}" if i % 10 == 0 else None,
                key_event=i % 500 == 0,
                actor=OPERATOR.actor,
            )
        app.save(article)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def bench_store(store: str, long_size: int, short_size: int, samples: int) -> tuple[float, float, float]:
    with scratch_database(store) as url:
        app = Newsroom.from_url(url)
        started = time.perf_counter()
        build_story(app, "short-story", short_size)
        build_story(app, "long-story", long_size)
        Projector(app, open_read_models(app)).catch_up()
        app.close()
        took = time.perf_counter() - started
        print(f"  built and projected stories of {short_size} and {long_size} updates in {took:.1f} s")
        times: dict[str, list[float]] = {"short-story": [], "long-story": []}
        sizes: dict[str, int] = {}
        with running_server(url) as base, httpx.Client(base_url=base, timeout=10) as client:
            for slug in times:  # warm: connections, caches, templates
                for _ in range(20):
                    client.get(f"/articles/{slug}")
            for _ in range(samples):
                for slug in times:
                    begun = time.perf_counter()
                    response = client.get(f"/articles/{slug}", headers={"Accept": "text/html"})
                    times[slug].append((time.perf_counter() - begun) * 1000)
                    assert response.status_code == 200
                    sizes[slug] = len(response.content)
        for slug, values in times.items():
            p50, p99 = statistics.median(values), percentile(values, 0.99)
            print(f"  {slug:11}  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  {sizes[slug]:,} bytes")
        ratio = statistics.median(times["long-story"]) / statistics.median(times["short-story"])
        bytes_ratio = sizes["long-story"] / sizes["short-story"]
        p99 = max(percentile(values, 0.99) for values in times.values())
        print(f"  ratio long/short: time (p50) {ratio:.2f}, bytes {bytes_ratio:.2f}; worst p99 {p99:.2f} ms")
        return ratio, bytes_ratio, p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--long", type=int, default=10_000)
    parser.add_argument("--short", type=int, default=30)
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()
    print(f"page: {platform.machine()}, Python {platform.python_version()}, {args.samples} samples a page")
    met = True
    for store in args.stores.split(","):
        print(f"[{store}]")
        ratio, bytes_ratio, p99 = bench_store(store, args.long, args.short, args.samples)
        met = met and ratio <= TARGET_RATIO and bytes_ratio <= TARGET_RATIO and p99 <= TARGET_P99_MS
    print(f"targets (ratio <= {TARGET_RATIO}, p99 <= {TARGET_P99_MS:.0f} ms): {'met' if met else 'missed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
