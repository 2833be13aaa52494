"""How fast is "the article as it stood then"? As-of queries on a story with 10,000 events.

    .venv/bin/python bench/asof.py [--stores sqlite,postgres] [--events 10000] [--samples 200]

The story mixes updates, comments, strikes, pins, hidden comments and headline changes. Its read models are
built by the projector, as in a running newsroom; then as-of pages are asked for at random versions and at
random instants, through the same function the API uses. Target: <= 20 ms.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import scratch_database
from newsroom import Article, Newsroom
from projections.history import page_as_of
from projections.projector import Projector
from projections.registry import open_read_models

SLUG = "long-running-story"
ACTOR = "staff:bench"


def build_story(app: Newsroom, events: int) -> None:
    article = Article.draft(
        slug=SLUG,
        headline="A long running story",
        body="It began quietly.",
        byline_name="Bench Writer",
        actor=ACTOR,
    )
    article.publish(actor=ACTOR)
    updates, comments = [], []
    while article.version < events:
        step = article.version % 20
        if step < 12:
            updates.append(
                article.append_update(
                    body=f"Reading {article.version}: still high.", label="Live", actor=ACTOR
                )
            )
        elif step < 17:
            comments.append(
                article.add_comment(author="A reader", body=f"Comment at {article.version}.", reply_to=None)
            )
        elif step == 17:
            article.strike_update(updates[-3], reason="Wrong gauge", actor=ACTOR)
        elif step == 18 and not article.comment_hidden(comments[-1]):
            article.hide_comment(comments[-1], reason="Off topic", actor="staff:mod")
        else:
            article.change_headline(headline=f"A long running story, version {article.version}", actor=ACTOR)
        if len(article.pending_events) >= 500:
            app.save(article)
    app.save(article)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    machine = f"{platform.node()} {platform.machine()}, Python {platform.python_version()}"
    print(f"asof: {machine}, {args.events:,} events in one story")
    rng = random.Random(10)
    for store_name in args.stores.split(","):
        with scratch_database(store_name) as url:
            app = Newsroom.from_url(url)
            build_story(app, args.events)
            store = open_read_models(app)
            Projector(app, store, batch_size=5000).catch_up()
            events = list(app.article_events(SLUG))
            first, span = events[0].timestamp, events[-1].timestamp - events[0].timestamp
            for label in ("version", "time"):
                timings = []
                for _ in range(args.samples):
                    version = rng.randint(1, args.events)
                    moment = first + span * rng.random() + timedelta(microseconds=1)
                    started = time.perf_counter()
                    if label == "version":
                        page_as_of(app, SLUG, read_models=store, version=version)
                    else:
                        page_as_of(app, SLUG, read_models=store, moment=moment)
                    timings.append((time.perf_counter() - started) * 1000)
                print(
                    f"[{store_name}] as-of by {label:7}: p50 {statistics.median(timings):6.1f} ms, "
                    f"p99 {percentile(timings, 0.99):6.1f} ms, max {max(timings):6.1f} ms  (target <= 20 ms)"
                )
            app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
