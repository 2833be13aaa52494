"""The least a projector can do, beside ``bench/floor_app.py``: the write floor with a read model built.

It reads the rows the floor app stored after the position it reached, parses each one's JSON and stores it
again as one row keyed by its position, and moves its tracking row on in the same transaction: one read
model of one row per event, applied exactly once, in the same database. No ordering lock, no rules, no
fan-out. ``bench/writes.py`` runs it with the floor app to show what a built read model costs the writers
on the same machine. It polls (1 ms) where ``newsroom project`` is woken by NOTIFY, and after a batch of
several rows waits 4 ms as that does, so that the next batch holds more.

    NEWSROOM_FLOOR_DSN=... python -m bench.floor_projector
"""

from __future__ import annotations

import os
import signal
import time
from types import FrameType

import orjson
import psycopg

BATCH = 1000
GATHER = 0.004
_stopping = False


def _stop(_signal: int, _frame: FrameType | None) -> None:
    global _stopping
    _stopping = True


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    with psycopg.connect(os.environ["NEWSROOM_FLOOR_DSN"]) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS floor_timeline (position BIGINT PRIMARY KEY, doc BYTEA NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS floor_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
        )
        conn.execute("INSERT INTO floor_tracking VALUES ('floor', 0) ON CONFLICT DO NOTHING")
        conn.commit()
        position = 0
        while not _stopping:
            rows = conn.execute(
                "SELECT id, state FROM floor_events WHERE id > %s ORDER BY id LIMIT %s", (position, BATCH)
            ).fetchall()
            if not rows:
                conn.commit()
                time.sleep(0.001)
                continue
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO floor_timeline (position, doc) VALUES (%s, %s)",
                    [(row_id, orjson.dumps(orjson.loads(state))) for row_id, state in rows],
                )
                cursor.execute(
                    "UPDATE floor_tracking SET position = %s WHERE name = 'floor' AND position = %s",
                    (rows[-1][0], position),
                )
            conn.commit()
            position = rows[-1][0]
            if len(rows) > 1:
                time.sleep(GATHER)  # as Newsroom's projector does: the next batch then holds more


if __name__ == "__main__":
    main()
