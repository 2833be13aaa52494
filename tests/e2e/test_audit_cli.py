"""`newsroom audit` as an auditor runs it, against rows changed behind the application's back with SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from newsroom import Newsroom
from newsroom.demo import DEMO_SLUG, load_demo
from newsroom.treehead import TreeSigner, verify_head
from projections.projector import Projector
from projections.registry import open_read_models
from tests.e2e.test_cli import newsroom

ROOT = Path(__file__).resolve().parents[2]


def execute(app: Newsroom, sqlite: str, postgres: str, *params: Any) -> list[Any]:
    """Runs SQL straight on the event store's table, as someone with database access could."""
    recorder: Any = app.recorder
    is_sqlite = "sqlite" in type(recorder).__module__
    table = recorder.events_table_name
    if not is_sqlite:
        table = f'"{recorder.datastore.schema}"."{table}"'
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute((sqlite if is_sqlite else postgres).format(table=table), params)
        try:
            return list(cursor.fetchall())
        except Exception:  # a statement with no result rows
            return []


@pytest.fixture
def logged(sql_url: str) -> str:
    """The demo story, with the audit tree caught up, as a running projector would leave it."""
    app = Newsroom.from_url(sql_url)
    load_demo(app)
    Projector(app, open_read_models(app)).catch_up()
    app.close()
    return sql_url


def test_verify_passes_then_names_the_row_changed_with_sql(logged: str) -> None:
    key = TreeSigner.generate()
    passed = newsroom("audit", "verify", database_url=logged, NEWSROOM_AUDIT_KEY=key.setting())
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout.startswith("ok: ")
    app = Newsroom.from_url(logged)
    try:
        position = 3  # the story as first drafted
        (row,) = execute(
            app,
            "SELECT state FROM {table} WHERE rowid = ?",
            "SELECT state FROM {table} WHERE notification_id = %s",
            position,
        )
        state = bytes(row[0] if not isinstance(row, dict) else row["state"])
        assert b"Eastbrook" in state or b"Varne" in state
        forged = state.replace(b"Varne", b"Vame").replace(b"Eastbrook", b"Eastbrock")
        execute(
            app,
            "UPDATE {table} SET state = ? WHERE rowid = ?",
            "UPDATE {table} SET state = %s WHERE notification_id = %s",
            forged,
            position,
        )
    finally:
        app.close()
    failed = newsroom("audit", "verify", database_url=logged)
    assert failed.returncode == 1
    assert f"FAILED at position {position}" in failed.stderr
    assert f"position {position}: the stored event differs" in failed.stderr


def test_deleting_the_last_event_fails_against_an_older_saved_head(logged: str, tmp_path: Path) -> None:
    key = TreeSigner.generate()
    printed = newsroom("audit", "tree-head", database_url=logged, NEWSROOM_AUDIT_KEY=key.setting())
    assert printed.returncode == 0, printed.stderr
    head = orjson.loads(printed.stdout)
    assert verify_head(head, key.public_key)
    saved = tmp_path / "head.json"
    saved.write_text(printed.stdout)
    extended = newsroom(
        "audit", "verify", "--tree-head", str(saved), database_url=logged, NEWSROOM_AUDIT_KEY=key.setting()
    )
    assert extended.returncode == 0, extended.stderr
    assert f"extends the saved head of {head['tree_size']}" in extended.stdout

    app = Newsroom.from_url(logged)
    try:
        last = app.last_position()
        execute(
            app,
            "DELETE FROM {table} WHERE rowid = ?",
            "DELETE FROM {table} WHERE notification_id = %s",
            last,
        )
    finally:
        app.close()
    failed = newsroom("audit", "verify", "--tree-head", str(saved), database_url=logged)
    assert failed.returncode == 1
    assert f"FAILED at position {last}" in failed.stderr
    assert "fewer than the" in failed.stderr and "records were removed" in failed.stderr


def test_a_saved_head_with_a_forged_signature_is_refused(logged: str, tmp_path: Path) -> None:
    key = TreeSigner.generate()
    head = orjson.loads(
        newsroom("audit", "tree-head", database_url=logged, NEWSROOM_AUDIT_KEY=key.setting()).stdout
    )
    forged = {**head, "timestamp": "2020-01-01T00:00:00+00:00"}
    saved = tmp_path / "forged.json"
    saved.write_bytes(orjson.dumps(forged))
    failed = newsroom(
        "audit", "verify", "--tree-head", str(saved), database_url=logged, NEWSROOM_AUDIT_KEY=key.setting()
    )
    assert failed.returncode == 1
    assert "signature does not verify" in failed.stderr
    missing = newsroom("audit", "verify", "--tree-head", str(tmp_path / "nope.json"), database_url=logged)
    assert missing.returncode == 1 and "cannot read a tree head" in missing.stderr


def test_history_export_and_keygen_read_well(logged: str) -> None:
    history = newsroom("audit", "history", DEMO_SLUG, database_url=logged)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0].startswith("v1 ") and "Article.Drafted" in lines[0] and "staff:demo-editor" in lines[0]
    as_of = newsroom("audit", "history", DEMO_SLUG, "--as-of", "5", database_url=logged)
    assert as_of.returncode == 0, as_of.stderr
    assert "as of version 5" in as_of.stdout
    unknown = newsroom("audit", "history", "no-such-story", database_url=logged)
    assert unknown.returncode == 1 and "no article" in unknown.stderr
    exported = newsroom("audit", "export", database_url=logged)
    assert exported.returncode == 0, exported.stderr
    records = [orjson.loads(line) for line in exported.stdout.splitlines()]
    assert [r["position"] for r in records] == list(range(1, len(records) + 1))
    assert all(len(r["hash"]) == 64 for r in records)
    keygen = newsroom("audit", "keygen", database_url=logged)
    setting = keygen.stdout.splitlines()[0].removeprefix("NEWSROOM_AUDIT_KEY=")
    assert TreeSigner.from_setting(setting).public_key  # a usable key
    bad_key = newsroom("audit", "tree-head", database_url=logged, NEWSROOM_AUDIT_KEY="nonsense")
    assert bad_key.returncode != 0 and "NEWSROOM_AUDIT_KEY" in bad_key.stderr
