"""The write path's floor on this stack: a bare Starlette endpoint storing one event-sized row per request.

No event sourcing, no authentication, no projector, no fan-out: it reads the JSON body, inserts one row in a
worker thread (as Newsroom's store calls do) and answers 201 with the row's id. Served by uvicorn exactly as
``newsroom serve`` is (uvloop, httptools); ``bench/writes.py`` runs it beside Newsroom and pgbench, so the
figure says how much of the distance to pgbench is the HTTP stack's and how much is Newsroom's.

    NEWSROOM_FLOOR_DSN=... uvicorn bench.floor_app:app --loop uvloop --http httptools
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

INSERT = (
    "INSERT INTO floor_events (originator_id, originator_version, topic, state) "
    "VALUES (gen_random_uuid(), 1, 'newsroom:Article.UpdateAppended', %s) RETURNING id"
)
_local = threading.local()


def _connection() -> Any:
    if not hasattr(_local, "connection"):
        _local.connection = psycopg.connect(os.environ["NEWSROOM_FLOOR_DSN"], autocommit=True)
    return _local.connection


def _insert(state: bytes) -> int:
    row = _connection().execute(INSERT, (state,)).fetchone()
    assert row is not None
    return int(row[0])


async def append(request: Request) -> Response:
    data = orjson.loads(await request.body())
    position = await asyncio.to_thread(_insert, orjson.dumps(data))
    return Response(orjson.dumps({"position": position}), status_code=201, media_type="application/json")


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    with psycopg.connect(os.environ["NEWSROOM_FLOOR_DSN"], autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS floor_events (id BIGSERIAL PRIMARY KEY, originator_id UUID NOT NULL, "
            "originator_version INT NOT NULL, topic TEXT NOT NULL, state BYTEA NOT NULL)"
        )
    yield


app = Starlette(routes=[Route("/api/articles/{slug}/updates", append, methods=["POST"])], lifespan=lifespan)
