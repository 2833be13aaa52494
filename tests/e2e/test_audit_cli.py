"""`newsroom audit` as an auditor runs it, against rows changed behind the application's back with SQL."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from newsroom import Newsroom
from newsroom.demo import DEMO_SLUG, load_demo
from newsroom.treehead import TreeSigner, b64, verify_head
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


def stored_state(app: Newsroom, position: int) -> bytes:
    (row,) = execute(
        app,
        "SELECT state FROM {table} WHERE rowid = ?",
        "SELECT state FROM {table} WHERE notification_id = %s",
        position,
    )
    return bytes(row[0] if not isinstance(row, dict) else row["state"])


def rewrite_state(app: Newsroom, position: int, state: bytes) -> None:
    """Changes a stored event's bytes behind the application's back."""
    execute(
        app,
        "UPDATE {table} SET state = ? WHERE rowid = ?",
        "UPDATE {table} SET state = %s WHERE notification_id = %s",
        state,
        position,
    )


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
        state = stored_state(app, position)
        assert b"Eastbrook" in state or b"Varne" in state
        forged = state.replace(b"Varne", b"Vame").replace(b"Eastbrook", b"Eastbrock")
        rewrite_state(app, position, forged)
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


def test_verify_counts_records_the_tree_has_not_recorded_as_unverified_and_fails(logged: str) -> None:
    # Written by the command line with no projector running: the audit tree never saw these.
    added = newsroom("staff", "add", "night-desk", "--role", "editor", database_url=logged)
    assert added.returncode == 0, added.stderr
    app = Newsroom.from_url(logged)
    try:
        position = app.last_position()
        # And a byte of one of them changed: nothing recorded what it was.
        rewrite_state(app, position, stored_state(app, position).replace(b"editor", b"admin"))
    finally:
        app.close()
    failed = newsroom("audit", "verify", "--wait", "0", database_url=logged)
    assert failed.returncode == 1, failed.stdout
    assert "ok:" not in failed.stdout
    assert f"FAILED at position {position}" in failed.stderr
    assert f"1 records the audit tree has not recorded, the first at position {position}" in failed.stderr
    app = Newsroom.from_url(logged)
    Projector(app, open_read_models(app)).catch_up()  # recorded now, as it stands
    app.close()
    assert newsroom("audit", "verify", database_url=logged).returncode == 0


def test_a_head_signed_with_any_key_over_a_rewritten_rebuilt_log_does_not_verify(
    logged: str, tmp_path: Path
) -> None:
    trusted = TreeSigner.generate()
    app = Newsroom.from_url(logged)
    try:
        position = 3
        # History rewritten with database access...
        rewrite_state(app, position, stored_state(app, position).replace(b"Varne", b"Vame"))
    finally:
        app.close()
    rebuilt = newsroom("rebuild", "audit-tree", database_url=logged)  # ...and the tree made to match
    assert rebuilt.returncode == 0, rebuilt.stderr
    forger = TreeSigner.generate()
    forged = newsroom("audit", "tree-head", database_url=logged, NEWSROOM_AUDIT_KEY=forger.setting())
    saved = tmp_path / "forged.json"
    saved.write_text(forged.stdout)  # a head that carries the forger's own public key
    public_key = b64(trusted.public_key)
    refused = newsroom(
        "audit", "verify", "--tree-head", str(saved), "--public-key", public_key, database_url=logged
    )
    assert refused.returncode == 1
    assert "does not verify with the trusted public key" in refused.stderr
    by_setting = newsroom(
        "audit",
        "verify",
        "--tree-head",
        str(saved),
        database_url=logged,
        NEWSROOM_AUDIT_KEY=trusted.setting(),
    )
    assert by_setting.returncode == 1
    no_key = newsroom("audit", "verify", "--tree-head", str(saved), database_url=logged)
    assert no_key.returncode == 1
    assert "no trusted public key" in no_key.stderr
    bad_key = newsroom("audit", "verify", "--tree-head", str(saved), "--public-key", "x", database_url=logged)
    assert bad_key.returncode == 1 and "--public-key" in bad_key.stderr


def test_the_export_lets_anyone_recompute_every_leaf_and_the_root(logged: str) -> None:
    exported = newsroom("audit", "export", database_url=logged)
    assert exported.returncode == 0, exported.stderr
    head = orjson.loads(newsroom("audit", "tree-head", database_url=logged).stdout)
    leaves = []
    for line in exported.stdout.splitlines():
        record = orjson.loads(line)
        leaf_input = base64.b64decode(record["leaf_input"])
        recomputed = hashlib.sha256(b"\x00" + leaf_input).digest()
        assert recomputed.hex() == record["hash"], record["position"]
        leaves.append(recomputed)
    assert len(leaves) == head["tree_size"]
    assert _rfc9162_root(leaves).hex() == head["root_hash"]


def _rfc9162_root(leaves: list[bytes]) -> bytes:
    """MTH of RFC 9162, section 2.1.1, written out here from the RFC rather than imported."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _rfc9162_root(leaves[:k]) + _rfc9162_root(leaves[k:])).digest()


def test_no_token_hash_is_in_the_event_log(logged: str) -> None:
    added = newsroom("staff", "add", "rota", "--role", "moderator", database_url=logged)
    token = added.stdout.strip()
    reissued = newsroom("staff", "token", "rota", database_url=logged)
    assert reissued.returncode == 0, reissued.stderr
    new_token = reissued.stdout.strip()
    app = Newsroom.from_url(logged)
    try:
        assert app.authenticate(new_token).name == "rota"
        states = b"".join(
            bytes(row[0] if not isinstance(row, dict) else row["state"])
            for row in execute(app, "SELECT state FROM {table}", "SELECT state FROM {table}")
        )
        for issued in (token, new_token):
            secret = issued.split("_", 2)[2]
            assert hashlib.sha256(secret.encode()).hexdigest().encode() not in states
    finally:
        app.close()


@pytest.mark.parametrize(
    ("saved", "says"),
    [
        (b'{"tree_size": "x", "root_hash": "00"}', "tree_size must be a whole number"),
        (b"[]", "a tree head is a JSON object"),
        (b'{"root_hash": "' + b"ab" * 32 + b'"}', "tree_size must be a whole number"),
        (b'{"tree_size": 3}', "root_hash must be 64 lowercase hex digits"),
        (b'{"tree_size": true, "root_hash": "' + b"ab" * 32 + b'"}', "tree_size must be a whole number"),
    ],
)
def test_a_malformed_saved_head_is_one_line_naming_it_not_a_traceback(
    logged: str, tmp_path: Path, saved: bytes, says: str
) -> None:
    path = tmp_path / "head.json"
    path.write_bytes(saved)
    failed = newsroom("audit", "verify", "--tree-head", str(path), database_url=logged)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert "--tree-head" in failed.stderr and says in failed.stderr


def test_keygen_makes_a_key_without_a_store(tmp_path: Path) -> None:
    """A key is made before the store that will use it: keygen neither asks for one nor makes one."""
    absent = tmp_path / "none.sqlite3"
    made = newsroom("audit", "keygen", database_url=f"sqlite:///{absent}", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    setting = made.stdout.splitlines()[0].removeprefix("NEWSROOM_AUDIT_KEY=")
    assert TreeSigner.from_setting(setting).public_key
    assert not absent.exists() and not (tmp_path / "var").exists()
