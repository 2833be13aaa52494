"""What one resuming reader costs: a resume from 1,000 and from 100,000 events back on a story of 500 items.

    .venv/bin/python bench/catchup.py [--stores sqlite,postgres] [--events 100000] [--samples 15]

The story (300 updates and 200 comments) is written first; then churn: each update revised and each
comment hidden and restored, over and over, until the log holds ``--events`` events after the story's
items, the last round touching every item (so both resumes concern all 500); on PostgreSQL the live
items' table is then vacuumed, as autovacuum would have done by then. A real `newsroom serve`
(embedded projector) answers; one reader at a time asks for the story's live stream with Last-Event-ID
and reads until it has the catch-up. Reported per depth: server CPU, bytes, messages and wall time
(median of ``--samples`` bursts of 20), then the ratio of the two depths; target <= 1.2.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import cpu_seconds, free_port, wait_http
from bench.scratch import scratch_database
from newsroom import Article, Newsroom
from projections.article_page import LIVE
from projections.catch_up import CatchUp
from projections.projector import Projector
from projections.registry import open_read_models

ROOT = Path(__file__).resolve().parents[1]
SLUG = "river-watch"
UPDATES, COMMENTS = 300, 200
BURST = 20  # resumes measured together


def build(url: str, events: int, updates: int, comments: int) -> tuple[int, int]:
    """The story and its churn, saved a few hundred events at a time; returns (head, events)."""
    app = Newsroom.from_url(url)
    try:
        article = Article.draft(
            slug=SLUG, headline="River watch", body="Levels are rising.", byline_name="Bench", actor="staff:b"
        )
        article.publish(actor="staff:b")
        update_ids = [
            article.append_update(body=f"Update {n}.", label=None, actor="staff:b") for n in range(updates)
        ]
        app.save(article)
        comment_ids = []
        for n in range(comments):
            comment_ids.append(
                article.add_comment(author=f"Reader {n % 40}", body=f"Comment {n}.", reply_to=None)
            )
        app.save(article)
        written, rounds = 0, 0
        while written < events:
            rounds += 1
            for n, update in enumerate(update_ids):
                article.revise_update(
                    update, body=f"Update {n}, revision {rounds}.", note=None, actor="staff:b"
                )
            for comment in comment_ids:
                article.hide_comment(comment, reason="Checking", actor="staff:m")
                article.restore_comment(comment, reason="Fine", actor="staff:m")
            written += len(update_ids) + 2 * len(comment_ids)
            app.save(article)
        head = app.last_position()
        store = open_read_models(app)
        Projector(app, store, batch_size=5000).catch_up()
        if "postgres" in url:
            # Each item's row was rewritten some 200 times: what autovacuum does on a live system, now, so
            # the index is not read through 20 dead versions of every row.
            import psycopg

            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"VACUUM ANALYZE {store.table(LIVE)}")
        return head, written
    finally:
        app.close()


def expected_messages(url: str, after: int) -> int:
    app = Newsroom.from_url(url)
    try:
        catch_up, count = CatchUp(open_read_models(app), after, SLUG), 0
        while (page := catch_up.next_page()) is not None:
            count += len(page)
        return count
    finally:
        app.close()


def resume(port: int, after: int, messages: int) -> tuple[int, float]:
    """One reader resuming after ``after``: (bytes until it has ``messages`` messages, seconds)."""
    started = time.perf_counter()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        f"GET /api/articles/{SLUG}/live HTTP/1.1\r\nHost: b\r\nAccept: text/event-stream\r\n"
        f"Last-Event-ID: {after}\r\n\r\n".encode()
    )
    received, seen = b"", 0
    while seen < messages:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("the stream ended early")
        seen += chunk.count(b"\nid: ") + (received == b"" and chunk.startswith(b"id: "))
        received += chunk
    took = time.perf_counter() - started
    sock.close()
    return len(received), took


def measure(
    url: str, head: int, depths: list[int], samples: int
) -> dict[int, tuple[float, float, int, float]]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "newsroom_cli", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "NEWSROOM_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[int, tuple[float, float, int, float]] = {}
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        expected = {depth: expected_messages(url, head - depth) for depth in depths}
        for depth in depths:  # warm: the read model's pages in the cache
            resume(port, head - depth, expected[depth])
        runs: dict[int, list[tuple[float, int, float]]] = {depth: [] for depth in depths}
        for _ in range(samples):
            for depth in depths:  # alternately, so a slow moment of the machine hits both
                # CPU counters tick every 10 ms: a burst of resumes, divided, measures one.
                before = cpu_seconds([server.pid])
                answers = [resume(port, head - depth, expected[depth]) for _ in range(BURST)]
                cpu = (cpu_seconds([server.pid]) - before) / BURST
                for size, took in answers:
                    runs[depth].append((cpu, size, took))
        for depth in depths:
            cpu = statistics.median(run[0] for run in runs[depth])
            size = int(statistics.median(run[1] for run in runs[depth]))
            took = statistics.median(run[2] for run in runs[depth])
            results[depth] = (cpu, took, size, expected[depth])
    finally:
        server.terminate()
        server.wait(timeout=15)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    print(
        f"catchup: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; a story of {UPDATES + COMMENTS} items, {args.samples} samples"
    )
    depths = [1000, args.events]
    for store in args.stores.split(","):
        with scratch_database(store) as url:
            started = time.perf_counter()
            head, written = build(url, args.events, UPDATES, COMMENTS)
            built = time.perf_counter() - started
            print(f"{store}: {written:,} events of churn, log head {head:,} ({built:.0f} s to build)")
            results = measure(url, head, depths, args.samples)
            for depth, (cpu, took, size, messages) in results.items():
                print(
                    f"  resume from {depth:>7,} events back: {messages:4} messages, {size / 1024:7.1f} KB, "
                    f"server CPU {cpu * 1000:6.1f} ms, {took * 1000:6.1f} ms to the last message"
                )
            short, long = results[depths[0]], results[depths[1]]
            print(
                f"  ratio {depths[1]:,} / {depths[0]:,} back: CPU {long[0] / short[0]:.2f}x, "
                f"bytes {long[2] / short[2]:.2f}x, time {long[1] / short[1]:.2f}x (target <= 1.2)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
