"""How fast do read models rebuild? Events/s rebuilding from a log of 1,000,000 events, side by side with
the raw rate of reading the same notifications from the store in the same run. Each read model alone, all
in one pass, and all with one process per core (``newsroom rebuild``'s default); every figure includes
indexing the rebuilt tables and switching them live.

    .venv/bin/python bench/rebuild.py [--events 1000000] [--stores postgres,sqlite] [--articles 1000]

The log is generated first through the application (articles with updates, comments, moderation, pins,
strikes), in a scratch database or file that is removed afterwards. Target: rebuild >= 0.5x raw read.

Also in the same run, the floor: a read model that does nothing but store each event's parsed JSON as one
row (``RowPerEvent``), rebuilt by the same code. No read model that writes a row per event can rebuild
faster, so each one's figure is printed beside the rows it wrote per event.
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
from newsroom.article import ARTICLE_TOPICS
from projections.documents import Column, Documents, EventByEvent, Projection, Table
from projections.rebuild import rebuild, rebuild_in_processes
from projections.records import Recorded
from projections.registry import ALL_PROJECTIONS, open_read_models
from projections.sqlstore import SQLReadModels

ACTOR = "staff:bench"
FLOOR_ROWS = Table(
    "bench_row_per_event",
    columns=(Column("article", "text"), Column("position", "int")),
    indexes=(("article", "position"),),
    append_only=True,
)


class RowPerEvent(EventByEvent):
    """The least a read model can do that writes a row per event: the event's JSON, keyed by position."""

    name = "bench-row-per-event"
    tables = (FLOOR_ROWS,)
    topics = ARTICLE_TOPICS

    def reads(self, event: Recorded) -> tuple[()]:
        return ()

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        docs.put(
            FLOOR_ROWS,
            str(event.position),
            event.data,
            article=event.originator_id,
            position=event.position,
        )


def rows_per_event(store: SQLReadModels, projections: list[Projection], events: int) -> float:
    """Rows in the read models' tables for each event of the log."""
    rows = 0
    with store.datastore.transaction(commit=False) as cursor:
        for projection in projections:
            for table in projection.tables:
                cursor.execute(f"SELECT count(*) AS n FROM {store.table(table)}")
                rows += cursor.fetchone()["n"]
    return rows / events


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
            # The faster of two reads: this VM's rates wander by 10-20%, and the ratios should not flatter.
            count, seconds = min((raw_read(app) for _ in range(2)), key=lambda read: read[1])
            raw_rate = count / seconds
            print(
                f"[{store_name}] raw read of {count:,} notifications (faster of two): "
                f"{seconds:.1f} s, {raw_rate:,.0f} events/s"
            )
            store = open_read_models(app)
            floor = rebuild(app, store, RowPerEvent())
            assert floor.events == total
            print(
                f"[{store_name}] floor, 1 row an event: {floor.seconds:6.1f} s, "
                f"{floor.events_per_second:9,.0f} events/s, {floor.events_per_second / raw_rate:.2f}x raw"
            )
            for chosen in [*([p] for p in ALL_PROJECTIONS), list(ALL_PROJECTIONS)]:
                report = rebuild(app, store, chosen)
                assert report.events == total
                name = chosen[0].name if len(chosen) == 1 else "all, one pass"
                print(
                    f"[{store_name}] rebuild {name:13}: {report.seconds:6.1f} s, "
                    f"{report.events_per_second:9,.0f} events/s, "
                    f"{report.events_per_second / raw_rate:.2f}x raw, "
                    f"{rows_per_event(store, chosen, total):.2f} rows an event"
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
