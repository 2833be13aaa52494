"""Regression: several processes starting at once on a new PostgreSQL schema all come up.

Each creates the library's tables, types and functions and the read models' tables; PostgreSQL can answer
concurrent catalog changes with "tuple concurrently updated" even under IF NOT EXISTS (seen in CI when two
writer processes started together). Several uvicorn workers starting together do exactly this.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from tests.server import ROOT
from tests.services import create_schema, postgres_url

STARTER = textwrap.dedent(
    """
    import sys, time
    from newsroom import Newsroom
    from projections.registry import open_read_models
    time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
    app = Newsroom.from_url(sys.argv[1])
    open_read_models(app)
    print(app.last_position())
    app.close()
    """
)


@pytest.mark.postgres
def test_processes_starting_together_on_a_new_schema_all_come_up(pg_database: str) -> None:
    for _ in range(3):  # a fresh schema each round: the race only exists while the tables do not
        url = postgres_url(pg_database, create_schema(pg_database))
        start_at = str(time.time() + 1.5)
        starters = [
            subprocess.Popen(
                [sys.executable, "-c", STARTER, url, start_at],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(5)
        ]
        results = [starter.communicate(timeout=60) for starter in starters]
        for starter, (out, err) in zip(starters, results, strict=True):
            assert starter.returncode == 0, err
            assert out.strip() == "0"
