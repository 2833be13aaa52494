"""Does a long story stay fast? Appending to and loading a story with 10,000 updates vs one with 10.

    .venv/bin/python bench/long_story.py [--stores sqlite,postgres] [--long 10000] [--samples 300]

For each store it builds both stories, then measures, side by side in the same run:
  - append: one ``append_update`` through the application (a copy of the cached article, save), the
    steady state of a server process; target ratio long/short <= 1.2;
  - load: ``article()`` on a warm application (cache hit + fast-forward query);
  - cold load: a new application's first load (snapshot + the events after it), as after a restart.
PostgreSQL runs in a scratch database that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import scratch_database
from newsroom import Article, Newsroom
from newsroom.article import article_id
from newsroom.staff import OPERATOR


def build_story(app: Newsroom, slug: str, updates: int) -> None:
    article = Article.draft(
        slug=slug,
        headline="A long running story",
        body="It began quietly.",
        byline_name="Bench Writer",
        actor=OPERATOR.actor,
    )
    article.publish(actor=OPERATOR.actor)
    app.save(article)
    # Saved in batches so the generation is quick; snapshots are taken on the way as in real use.
    for start in range(0, updates, 500):
        for i in range(start, min(updates, start + 500)):
            article.append_update(
                body=f"Update number {i}: the river is still high.",
                label=f"Day {i // 24 + 1}",
                actor=OPERATOR.actor,
            )
        app.save(article)


def timings(operation: Callable[[], object], samples: int) -> list[float]:
    result = []
    for _ in range(samples):
        started = time.perf_counter()
        operation()
        result.append((time.perf_counter() - started) * 1000)
    return result


def cold_load(url: str, slug: str) -> float:
    """Milliseconds for a new application's first load of the story (its connection set up first)."""
    fresh = Newsroom.from_url(url)
    try:
        fresh.last_position()
        started = time.perf_counter()
        fresh.repository.get(article_id(slug))
        return (time.perf_counter() - started) * 1000
    finally:
        fresh.close()


def summary(values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values)
    p90 = values[int(len(values) * 0.9) - 1]
    return f"p50 {p50:7.3f} ms  p90 {p90:7.3f} ms"


def bench_store(store: str, long_size: int, short_size: int, samples: int) -> dict[str, float]:
    ratios: dict[str, float] = {}
    with scratch_database(store) as url:
        app = Newsroom.from_url(url)
        sizes = {"short": short_size, "long": long_size}
        started = time.perf_counter()
        for name, size in sizes.items():
            build_story(app, f"story-{name}", size)
        print(
            f"  built stories of {short_size} and {long_size} updates "
            f"in {time.perf_counter() - started:.1f} s"
        )

        results: dict[str, dict[str, list[float]]] = {
            "append": {name: [] for name in sizes},
            "load": {name: [] for name in sizes},
            "cold load": {name: [] for name in sizes},
        }
        for name in sizes:
            app.article(f"story-{name}")  # warm the cache
        # Samples alternate between the stories so drift in the machine or database hits both alike.
        for _ in range(samples):
            for name in sizes:
                slug = f"story-{name}"
                append = partial(app.append_update, slug, body="Another update.", label="Bench", by=OPERATOR)
                results["append"][name] += timings(append, 1)
                results["load"][name] += timings(partial(app.article, slug), 1)
        for _ in range(max(5, samples // 20)):
            for name in sizes:
                results["cold load"][name].append(cold_load(url, f"story-{name}"))
        app.close()

        for operation, by_size in results.items():
            short = statistics.median(by_size["short"])
            long = statistics.median(by_size["long"])
            ratios[operation] = long / short
            print(f"  {operation:9}  {short_size:>6} updates: {summary(by_size['short'])}")
            print(
                f"  {operation:9}  {long_size:>6} updates: {summary(by_size['long'])}"
                f"   ratio (p50) {long / short:5.2f}"
            )
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--long", type=int, default=10_000)
    parser.add_argument("--short", type=int, default=10)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    print(
        f"long_story: {platform.node()} {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    worst = 0.0
    for store in args.stores.split(","):
        print(f"[{store}]")
        ratios = bench_store(store, args.long, args.short, args.samples)
        worst = max(worst, ratios["append"])
    verdict = "meets" if worst <= 1.2 else "misses"
    print(f"append ratio, worst store: {worst:.2f} ({verdict} the <= 1.2 target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
