"""Scratch stores for benchmarks: a temporary SQLite file or PostgreSQL database, removed afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"


@contextmanager
def scratch_database(store: str) -> Iterator[str]:
    if store == "sqlite":
        with tempfile.TemporaryDirectory() as workdir:
            yield f"sqlite:///{workdir}/bench.sqlite3"
        return
    import psycopg

    name = f"newsroom_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
