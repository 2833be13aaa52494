"""How fast do read models rebuild? Events/s rebuilding from a log of 1,000,000 events, side by side with
the raw rate of reading the same notifications from the store in the same run. Each read model alone, all
in one pass, and all with one process per core (``newsroom rebuild``'s default); every figure includes
indexing the rebuilt tables and switching them live.

    .venv/bin/python bench/rebuild.py [--events 1000000] [--stores postgres,sqlite] [--articles 1000]

The log is generated first through the application (articles with updates, comments, moderation, pins,
strikes), in a scratch database or file that is removed afterwards. Target: rebuild >= 0.5x raw read.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import scratch_database
from newsroom import Article, Newsroom
from projections.rebuild import rebuild, rebuild_in_processes
from projections.registry import ALL_PROJECTIONS, open_read_models

ACTOR = "staff:bench"


def generate(app: Newsroom, events: int, articles: int) -> None:
    per_article = events // articles
    started = time.perf_counter()
    for n in range(articles):
        article = Article.draft(
            slug=f"story-{n}",
            headline=f"Story {n}",
            body="It began quietly.",
            byline_name="Bench Writer",
            tags=["bench", f"desk-{n % 10}"],
            actor=ACTOR,
        )
        article.publish(actor=ACTOR)
        comments: list[UUID] = []
        while article.version < per_article:
            step = article.version % 10
            if step < 6:
                update = article.append_update(
                    body=f"Reading {article.version}: the river is high.", label="Bench", actor=ACTOR
                )
                if step == 5 and article.version % 50 == 5:
                    article.strike_update(update, reason="Wrong gauge", actor=ACTOR)
            elif step < 9:
                comments.append(
                    article.add_comment(
                        author=f"Reader {step}",
                        body="Thanks for this.",
                        reply_to=comments[-1] if comments and step == 8 else None,
                    )
                )
            elif comments and article.comment_hidden(comments[-1]) is False:
                article.hide_comment(comments[-1], reason="Off topic", actor="staff:mod")
            else:
                article.change_headline(headline=f"Story {n}, version {article.version}", actor=ACTOR)
            if len(article.pending_events) >= 2000:
                app.save(article)
        app.save(article)
        if n % 50 == 49:
            done = (n + 1) * per_article
            print(
                f"\r  generating: {done:,}/{events:,} events "
                f"({done / (time.perf_counter() - started):,.0f}/s)",
                end="",
                file=sys.stderr,
            )
    print(file=sys.stderr)


def raw_read(app: Newsroom, batch: int = 5000) -> tuple[int, float]:
    started = time.perf_counter()
    count, start = 0, 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=batch)
        if not notifications:
            break
        count += len(notifications)
        start = notifications[-1].id + 1
    return count, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--stores", default="postgres,sqlite")
    args = parser.parse_args()
    print(
        f"rebuild: {platform.node()} {platform.machine()}, Python {platform.python_version()}, "
        f"{args.events:,} events over {args.articles:,} articles"
    )
    for store_name in args.stores.split(","):
        with scratch_database(store_name) as url:
            app = Newsroom.from_url(url)
            generate(app, args.events, args.articles)
            total = app.last_position()
            count, seconds = raw_read(app)
            raw_rate = count / seconds
            print(
                f"[{store_name}] raw read of {count:,} notifications: "
                f"{seconds:.1f} s, {raw_rate:,.0f} events/s"
            )
            store = open_read_models(app)
            for chosen in [*([p] for p in ALL_PROJECTIONS), list(ALL_PROJECTIONS)]:
                report = rebuild(app, store, chosen)
                assert report.events == total
                name = chosen[0].name if len(chosen) == 1 else "all, one pass"
                print(
                    f"[{store_name}] rebuild {name:13}: {report.seconds:6.1f} s, "
                    f"{report.events_per_second:9,.0f} events/s, "
                    f"{report.events_per_second / raw_rate:.2f}x raw"
                )
            app.close()
            workers = min(os.cpu_count() or 1, len(ALL_PROJECTIONS))
            report = rebuild_in_processes(url, [p.name for p in ALL_PROJECTIONS], workers=workers)
            assert report.events == total
            print(
                f"[{store_name}] rebuild {f'all, {workers} procs':13}: {report.seconds:6.1f} s, "
                f"{report.events_per_second:9,.0f} events/s, "
                f"{report.events_per_second / raw_rate:.2f}x raw"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
