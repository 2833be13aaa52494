"""How long does erasing a commenter take, until their words and name are gone everywhere? A commenter with
1,000 comments across 50 stories (among other readers' comments), erased with `newsroom erase commenter`
while `newsroom serve` runs, on SQLite and PostgreSQL.

    .venv/bin/python bench/erase.py [--stores sqlite,postgres] [--stories 50] [--comments 1000]

Timed from the command's start to: the read models holding the erasure and the files scrubbed (SQLite: by
the projector, at once; PostgreSQL: `newsroom scrub`, the maintenance step, timed too), then checked: no
comment signed with the name in any read model, and (SQLite) not one byte of the name in the file or its
write-ahead log. Target: <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import scratch_database, verdict, worst_of_stores
from newsroom import Article, Newsroom
from newsroom.staff import OPERATOR
from projections.projector import Projector
from projections.registry import open_read_models
from tests.server import ROOT, running_server

TARGET_SECONDS = 60.0
NAME = "Erin Quillfeather"
OTHERS = ("Pat Quay", "Sam Wren", "Lea Moor")


def build(app: Newsroom, stories: int, comments: int) -> None:
    per_story = comments // stories
    for n in range(stories):
        article = Article.draft(
            slug=f"story-{n}",
            headline=f"Story {n}",
            body="Text.",
            byline_name="Bench Writer",
            actor=OPERATOR.actor,
        )
        article.publish(actor=OPERATOR.actor)
        article.append_update(body="An update.", actor=OPERATOR.actor)
        for m in range(per_story):
            article.add_comment(
                author=NAME, body=f"Comment {m} on story {n}, signed and erasable.", reply_to=None
            )
            article.add_comment(author=OTHERS[m % 3], body=f"A reply to {m}.", reply_to=None)
        app.save(article)


def cli(url: str, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "newsroom_cli", *args],
        cwd=ROOT,
        env={**os.environ, "NEWSROOM_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    return time.perf_counter() - started


def bench_store(store: str, stories: int, comments: int) -> float:
    with scratch_database(store) as url:
        app = Newsroom.from_url(url)
        build(app, stories, comments)
        read_models = open_read_models(app)
        Projector(app, read_models).catch_up()
        assert len(read_models.comments_by(NAME)) == comments
        app.close()
        with running_server(url):
            erased = cli(url, "erase", "commenter", NAME, "--reason", "Erasure request (bench)")
        scrubbed = cli(url, "scrub") if store == "postgres" else 0.0
        app = Newsroom.from_url(url)
        read_models = open_read_models(app)
        left = len(read_models.comments_by(NAME))
        app.close()
        in_files = 0
        if store == "sqlite":
            path = Path(url.removeprefix("sqlite:///"))
            in_files = sum(f.read_bytes().count(NAME.encode()) for f in path.parent.iterdir())
        total = erased + scrubbed
        print(
            f"  {comments:,} comments on {stories} stories: erased and projected in {erased:.1f} s"
            + (f", scrubbed in {scrubbed:.1f} s" if scrubbed else "")
            + f"; {total:.1f} s in all; left in read models {left}, in the files {in_files}"
        )
        if left or in_files:
            raise AssertionError("the commenter is not gone")
        return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--comments", type=int, default=1000)
    args = parser.parse_args()
    print(f"erase: {platform.machine()}, Python {platform.python_version()}")
    worst = worst_of_stores(args.stores, lambda store: bench_store(store, args.stories, args.comments))
    print(verdict(worst, TARGET_SECONDS, "slowest", "s"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
