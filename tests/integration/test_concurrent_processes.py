"""Two processes appending to one story at the same moment on PostgreSQL: every update is stored."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsroom import Newsroom, Role
from tests.conftest import add_staff
from tests.services import create_schema, postgres_url

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import sys, time
    from newsroom import Newsroom
    url, token, name = sys.argv[1:4]
    count, start_at = int(sys.argv[4]), float(sys.argv[5])
    app = Newsroom.from_url(url)
    editor = app.authenticate(token)
    app.article("ferry-strike")  # warm the cache so both start writing at once
    time.sleep(max(0.0, start_at - time.time()))
    began = time.time()
    for i in range(count):
        receipt = app.append_update("ferry-strike", body=f"{name} update {i}", by=editor)
        print(receipt.version, receipt.position, flush=True)
    print("span", began, time.time())
    app.close()
    """
)


@pytest.mark.postgres
def test_two_processes_appending_at_once_lose_nothing(pg_database: str) -> None:
    url = postgres_url(pg_database, create_schema(pg_database))
    app = Newsroom.from_url(url)
    editor, token = add_staff(app, "eddie", Role.EDITOR)
    app.draft_article(
        slug="ferry-strike",
        headline="Ferry crews walk out",
        body="No sailings.",
        byline_name="Lou",
        by=editor,
    )
    app.publish("ferry-strike", by=editor)

    count = 150
    start_at = time.time() + 2.0
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, token, name, str(count), str(start_at)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alpha", "beta")
    ]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    for writer, (_, stderr) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, stderr

    lines = [line.split() for out, _ in outputs for line in out.splitlines()]
    receipts = [(int(v), int(p)) for v, p in (line for line in lines if line[0] != "span")]
    (a_start, a_end), (b_start, b_end) = [
        (float(s), float(e)) for _, s, e in (line for line in lines if line[0] == "span")
    ]
    # The two writers really ran at the same time.
    assert a_start < b_end and b_start < a_end
    versions = sorted(version for version, _ in receipts)
    assert versions == list(range(3, 3 + 2 * count))  # every append got its own version

    bodies = [app.text_of(event)["body"] for event in app.article_events("ferry-strike", after_version=2)]  # type: ignore[index]
    assert len(bodies) == 2 * count
    assert {b for b in bodies if b.startswith("alpha")} == {f"alpha update {i}" for i in range(count)}
    assert {b for b in bodies if b.startswith("beta")} == {f"beta update {i}" for i in range(count)}
    app.close()
