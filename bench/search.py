"""How fast is search over a big newsroom? 100,000 updates across 200 stories, searched through a real
`newsroom serve` on SQLite (FTS5) and PostgreSQL (tsvector, GIN).

    .venv/bin/python bench/search.py [--stores sqlite,postgres] [--updates 100000] [--queries 600]

The updates are written from a vocabulary of 2,000 made-up words drawn with a Zipf-like skew, so some words
are in most updates and most in few, as in news; the queries are one to three words drawn the same way
(common and rare words both). Each query is a GET /api/search, timed from the request to the last byte on
loopback. On PostgreSQL the tables are analysed first, as autovacuum does for a table that grew (without
the planner's statistics a common word's matches are all read). Target: p99 <= 50 ms on each store.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import scratch_database, verdict, worst_of_stores
from newsroom import Article, Newsroom
from newsroom.staff import OPERATOR
from projections.projector import Projector
from projections.registry import open_read_models
from tests.server import running_server

TARGET_P99_MS = 50.0
STORIES = 200
SEED = 20261204


def vocabulary(rng: random.Random, size: int = 2000) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "re",
        "sa",
        "tu",
        "ven",
        "dor",
        "al",
        "bri",
        "co",
        "fen",
        "gar",
        "hol",
        "ise",
    ]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def draw(rng: random.Random, words: list[str]) -> str:
    # Zipf-like: the first words are drawn far more often than the last.
    return words[min(len(words) - 1, int(rng.paretovariate(1.1)) - 1)]


def build(app: Newsroom, updates: int, words: list[str], rng: random.Random) -> None:
    per_story = updates // STORIES
    for n in range(STORIES):
        article = Article.draft(
            slug=f"story-{n}",
            headline=" ".join(draw(rng, words) for _ in range(6)).capitalize(),
            body=" ".join(draw(rng, words) for _ in range(60)) + ".",
            byline_name="Bench Writer",
            tags=[f"desk-{n % 10}"],
            actor=OPERATOR.actor,
        )
        article.publish(actor=OPERATOR.actor)
        for start in range(0, per_story, 250):
            for _ in range(start, min(per_story, start + 250)):
                article.append_update(
                    body=" ".join(draw(rng, words) for _ in range(40)) + ".", actor=OPERATOR.actor
                )
            app.save(article)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def bench_store(store: str, updates: int, queries: int) -> float:
    rng = random.Random(SEED)
    words = vocabulary(rng)
    with scratch_database(store) as url:
        app = Newsroom.from_url(url)
        started = time.perf_counter()
        build(app, updates, words, rng)
        built = time.perf_counter() - started
        Projector(app, open_read_models(app)).catch_up()
        app.close()
        if store == "postgres":  # as autovacuum does for a table that grew: the planner's statistics
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE")
        projected = time.perf_counter() - started - built
        print(f"  {updates:,} updates written in {built:.0f} s, projected in {projected:.0f} s")
        asked = [" ".join(draw(rng, words) for _ in range(rng.randint(1, 3))) for _ in range(queries)]
        times: list[float] = []
        found: list[int] = []
        with running_server(url) as base, httpx.Client(base_url=base, timeout=30) as client:
            for text in asked[:30]:  # warm: caches, prepared statements
                client.get("/api/search", params={"q": text})
            for text in asked:
                begun = time.perf_counter()
                response = client.get("/api/search", params={"q": text})
                times.append((time.perf_counter() - begun) * 1000)
                assert response.status_code == 200, response.text
                found.append(len(response.json()["results"]))
        p99 = percentile(times, 0.99)
        p50, p90 = statistics.median(times), percentile(times, 0.9)
        print(
            f"  {len(asked)} queries: p50 {p50:.2f} ms  p90 {p90:.2f} ms  p99 {p99:.2f} ms  "
            f"max {max(times):.2f} ms; {sum(1 for n in found if n)} found something"
        )
        return p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=600)
    args = parser.parse_args()
    print(f"search: {platform.machine()}, Python {platform.python_version()}, {STORIES} stories")
    worst = worst_of_stores(args.stores, lambda store: bench_store(store, args.updates, args.queries))
    print(verdict(worst, TARGET_P99_MS, "worst p99", "ms"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
