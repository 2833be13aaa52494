"""Scratch stores for benchmarks: a temporary SQLite file or PostgreSQL database, removed afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
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


def worst_of_stores(stores: str, measure: Callable[[str], float]) -> float:
    """``measure`` run on each store named (comma-separated), each under its name; the largest figure."""
    worst = 0.0
    for store in stores.split(","):
        print(f"[{store}]")
        worst = max(worst, measure(store))
    return worst


def verdict(figure: float, target: float, what: str, unit: str) -> str:
    """The closing line: the worst figure against the target (at most ``target``)."""
    word = "meets" if figure <= target else "misses"
    return f"{what} {figure:.2f} {unit}: {word} the <= {target:g} {unit} target"
