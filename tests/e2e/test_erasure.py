"""Lawful erasure, end to end, on SQLite and PostgreSQL: an update, a comment and a commenter (every comment
signed with their name) erased through the API and the command line. Afterwards the marker words and the
commenter's name are in no response, page, feed, live catch-up, history, as-of view, diff, export, search
result or moderation view, nor in the bytes of the database's files (on PostgreSQL after ``newsroom scrub``);
the tombstones say when, by whom and why; every proof issued before still verifies with an RFC 9162 verifier
written from the RFC (tests/rfc9162.py); ``newsroom audit verify`` passes; and nothing public lets anyone
confirm a guess of the erased words."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from newsroom.treehead import TreeSigner, verify_head
from tests.rfc9162 import leaf_hash, root_from_inclusion
from tests.server import ROOT, free_port, running_server
from tests.services import REDIS_URL, OwnPostgres, postgres_database, postgres_url, redis_namespace
from tests.sse import Reader

UPDATE_WORDS = "The quillwortcascade memo names the contractor"
COMMENT_WORDS = "I saw the larkspurtangent van at the depot"
COMMENTER = "Oriel Vantwistle"
MARKERS = ("quillwortcascade", "larkspurtangent", "Vantwistle")
KEPT = "The ferry timetable is unchanged"


@dataclass
class Site:
    base: str
    url: str
    tokens: dict[str, str]
    signer: TreeSigner
    files: Any  # () -> list of (name, bytes): the database's files
    redis_prefix: str | None = None  # PostgreSQL's run fans out through Redis, as production does

    def call(self, method: str, path: str, role: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        headers.update(kwargs.pop("headers", {}))
        return httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def ok(self, method: str, path: str, role: str | None = None, **kwargs: Any) -> Any:
        response = self.call(method, path, role, **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.text)
        kind = response.headers.get("content-type", "")
        return response.json() if kind.startswith("application/json") else response.text


def sqlite_files(path: Path) -> Any:
    def read() -> list[tuple[str, bytes]]:
        return [(f.name, f.read_bytes()) for f in path.parent.iterdir() if f.name.startswith(path.name)]

    return read


def checkpointed(server: OwnPostgres) -> Any:
    def read() -> list[tuple[str, bytes]]:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")  # what is in shared buffers is in the files
        return server.files()

    return read


@pytest.fixture(params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    signer = TreeSigner.generate()
    if request.param == "sqlite":
        path = tmp_path / "erasure.sqlite3"
        yield from _site(f"sqlite:///{path}", signer, sqlite_files(path))
        return
    # A server of the test's own: its whole data directory, WAL included, is searched for the words, and
    # it runs as `newsroom scrub` asks (old WAL segments removed, not recycled).
    server = OwnPostgres(free_port(), wal_recycle="off")
    server.init()
    server.start()
    try:
        with redis_namespace() as prefix:
            yield from _site(server.url, signer, checkpointed(server), prefix)
    finally:
        server.remove()


def _site(url: str, signer: TreeSigner, files: Any, redis_prefix: str | None = None) -> Iterator[Site]:
    app = Newsroom.from_url(url)
    tokens = {
        role: app.add_staff(f"{role}-1", Role(role), by=OPERATOR)[1]
        for role in ("editor", "moderator", "auditor", "admin")
    }
    app.close()
    env = {"NEWSROOM_AUDIT_KEY": signer.setting(), "NEWSROOM_COMMENT_LIMIT": "1000"}
    if redis_prefix is not None:
        env.update(NEWSROOM_REDIS_URL=REDIS_URL, NEWSROOM_REDIS_PREFIX=redis_prefix)
    with running_server(url, **env) as base:
        yield Site(base, url, tokens, signer, files, redis_prefix)


def redis_contents(prefix: str) -> str:
    """Every key under the prefix and every value it holds, as text."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        seen = []
        for key in client.scan_iter(f"{prefix}*"):
            kind = client.type(key).decode()
            readers: dict[str, Any] = {
                "string": client.get,
                "hash": client.hgetall,
                "zset": lambda name: client.zrange(name, 0, -1, withscores=True),
                "list": lambda name: client.lrange(name, 0, -1),
                "set": client.smembers,
                "stream": client.xrange,
            }
            value = readers[kind](key) if kind in readers else b""
            seen.append(f"{key!r} {value!r}")
        return "\n".join(seen)
    finally:
        client.close()


def cli(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSROOM_DATABASE_URL": site.url, "NEWSROOM_AUDIT_KEY": site.signer.setting()}
    return subprocess.run(
        [sys.executable, "-m", "newsroom_cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def story(site: Site, slug: str) -> None:
    site.ok(
        "POST",
        "/api/articles",
        "editor",
        json={"slug": slug, "headline": f"Depot story {slug}", "body": "Text."},
    )
    site.ok("POST", f"/api/articles/{slug}/publish", "editor")


def comment(site: Site, slug: str, author: str, body: str, **headers: str) -> dict[str, Any]:
    found: dict[str, Any] = site.ok(
        "POST", f"/api/articles/{slug}/comments", json={"author": author, "body": body}, headers=headers
    )
    return found


def files_holding(site: Site) -> list[tuple[str, str]]:
    """(marker, file) for every marker, in any case, found in the bytes of the database's files."""
    return [
        (marker, name)
        for name, data in site.files()
        for marker in MARKERS
        if marker.encode() in data or marker.upper().encode() in data or marker.lower().encode() in data
    ]


def everything_public_and_audited(site: Site, slugs: list[str]) -> str:
    """What readers and auditors can get, and a live catch-up from the start, as one text."""
    seen: list[str] = []
    paths = ["/", "/feed.atom", "/feed.json", "/sitemap.xml", "/api/articles", "/api/audit/events?limit=1000"]
    paths += ["/api/moderation?limit=100", "/api/moderation/bans?all=true", "/api/audit/export"]
    paths += [f"/search?q={marker}" for marker in MARKERS] + [f"/api/search?q={marker}" for marker in MARKERS]
    for slug in slugs:
        paths += [f"/articles/{slug}", f"/articles/{slug}/feed.atom", f"/articles/{slug}/feed.json"]
        paths += [f"/api/articles/{slug}", f"/api/articles/{slug}/history?limit=1000"]
        paths += [f"/api/audit/export?slug={slug}"]
        history = site.ok("GET", f"/api/articles/{slug}/history?limit=1000", "auditor")["events"]
        last = history[-1]["version"]
        paths += [f"/api/articles/{slug}?as_of={version}" for version in range(1, last + 1)]
        paths += [f"/api/articles/{slug}/diff?from=1&to={last}"]
    for path in paths:
        role = "admin" if path.startswith(("/api/moderation", "/api/audit", "/api/articles/")) else None
        response = site.call("GET", path, role)
        assert response.status_code < 500, (path, response.status_code)
        text = response.text
        if path.startswith("/search?q="):  # the page says what was asked: its results only
            text = text[text.find('<ol id="results"') :]
        seen.append(text)
    for slug in slugs:
        reader = Reader(f"{site.base}/api/articles/{slug}/live", last_event_id=1).start()
        # The catch-up from the start holds the story itself at least: wait for it, then for its end.
        assert reader.wait_for(lambda r: any(e.kind == "article-published" for e in r.events))
        count = -1
        while count != len(reader.events):  # until half a second passes with nothing more
            count = len(reader.events)
            reader.wait_for(lambda r, count=count: len(r.events) > count, timeout=0.5)
        reader.stop()
        seen.extend(event.data for event in reader.events)
    return "\n".join(seen)


def test_erased_text_is_gone_everywhere_and_every_proof_still_verifies(site: Site, tmp_path: Path) -> None:
    slugs = ["depot-one", "depot-two"]
    for slug in slugs:
        story(site, slug)
    update = site.ok(
        "POST", f"/api/articles/{slugs[0]}/updates", "editor", json={"body": f"**{UPDATE_WORDS}**."}
    )
    site.ok("POST", f"/api/articles/{slugs[0]}/updates", "editor", json={"body": KEPT + "."})
    raw = json.dumps({"author": COMMENTER, "body": COMMENT_WORDS}).encode()
    first = site.call(
        "POST",
        f"/api/articles/{slugs[0]}/comments",
        content=raw,
        headers={"Content-Type": "application/json", "Idempotency-Key": "retry-1"},
    ).json()
    comment(site, slugs[1], COMMENTER.upper(), f"Again: {COMMENT_WORDS}")  # the same name, as matched
    reply = comment(site, slugs[0], "Pat Quay", f"{KEPT}, thanks")
    lone = comment(site, slugs[1], "Sam Wren", "A comment about the larkspurtangent sign")
    banned = site.ok("POST", "/api/moderation/bans", "moderator", json={"name": COMMENTER, "reason": "Spam."})
    last = site.ok("POST", f"/api/articles/{slugs[0]}/updates/{update['update_id']}/pin", "editor")
    before_text = everything_public_and_audited(site, slugs)
    assert all(marker in before_text for marker in MARKERS)  # the checks below can find them
    assert {marker for marker, _ in files_holding(site)} == set(MARKERS)

    # What anyone may have kept before the erasure: a signed head, the records and their proofs.
    site.ok("GET", f"/api/articles/{slugs[0]}?after={last['position']}")
    head = site.ok("GET", f"/api/audit/tree-head?after={last['position']}")
    export = [json.loads(line) for line in site.ok("GET", "/api/audit/export", "auditor").splitlines()]
    proofs = {
        r["position"]: site.ok("GET", f"/api/audit/proof/{r['position']}?tree_size={head['tree_size']}")
        for r in export[: head["tree_size"]]
    }
    (tmp_path / "head.json").write_text(json.dumps(head))

    site.ok(
        "POST",
        f"/api/articles/{slugs[0]}/updates/{update['update_id']}/erase",
        "admin",
        json={"reason": "Court order 2026/114."},
    )
    site.ok(
        "POST",
        f"/api/articles/{slugs[1]}/comments/{lone['comment_id']}/erase",
        "admin",
        json={"reason": "Erasure request."},
    )
    erased = cli(site, "erase", "commenter", COMMENTER, "--reason", "GDPR Art. 17 request")
    assert erased.returncode == 0, erased.stderr
    assert "Erased 2 comments" in erased.stdout and "1 ban" in erased.stdout
    assert (
        site.call(
            "POST",
            f"/api/articles/{slugs[0]}/comments/{first['comment_id']}/erase",
            "editor",
            json={"reason": "x"},
        ).status_code
        == 403
    )

    # Within 60 s: gone from every surface, the files included.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not any(marker in everything_public_and_audited(site, slugs) for marker in MARKERS):
            break
        time.sleep(1)
    after_text = everything_public_and_audited(site, slugs)
    for marker in MARKERS:
        assert marker not in after_text, marker
    if site.redis_prefix is not None:  # what Redis keeps (rate limits, presence) holds no words, no address
        kept = redis_contents(site.redis_prefix)
        assert kept, "the Redis fan-out was not in use"
        assert not any(marker.lower() in kept.lower() for marker in MARKERS)
        assert "127.0.0.1" not in kept
    assert KEPT in after_text and "Pat Quay" in after_text  # what was not erased is all there
    if "postgresql" in site.url:
        scrubbed = cli(site, "scrub")
        assert scrubbed.returncode == 0, scrubbed.stderr
    deadline = time.monotonic() + 20  # the projector scrubs SQLite's log once no reader holds it
    while (left := files_holding(site)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left

    # The tombstones: when, by whom, why.
    history = site.ok("GET", f"/api/articles/{slugs[0]}/history?limit=1000", "auditor")["events"]
    tombstones = [e for e in history if e["type"] in ("Article.UpdateErased", "Article.CommentErased")]
    assert {(e["type"], e["actor"], e["data"]["reason"]) for e in tombstones} == {
        ("Article.UpdateErased", "staff:admin-1", "Court order 2026/114."),
        ("Article.CommentErased", "staff:operator", "GDPR Art. 17 request"),
    }
    assert all(e["summary"] in ("Update erased", "Comment erased") for e in tombstones)
    page = site.call("GET", f"/articles/{slugs[0]}").text
    assert "This update was removed" in page and "Court order 2026/114." in page
    assert "Comment removed" in page
    # Its proof is now the erasure's own record: who removed it and why, in the log like any other.
    tombstone_proof = site.call("GET", f"/api/articles/{slugs[0]}/updates/{update['update_id']}/proof")
    assert tombstone_proof.status_code == 200
    proven = tombstone_proof.json()
    assert (proven["kind"], proven["key"]) == ("erasure", None)
    stored = json.loads(base64.b64decode(proven["leaf_input"]).partition(b"\n")[2])
    assert stored["reason"] == "Court order 2026/114."
    assert stored["update_id"]["_data_"] == update["update_id"]
    assert reply["comment_id"]  # a reply to nothing erased is still shown (checked by KEPT above)

    # Every proof issued before still verifies: the records' bytes are as they were.
    root = bytes.fromhex(head["root_hash"])
    assert verify_head(head, site.signer.public_key)
    now = [json.loads(line) for line in site.ok("GET", "/api/audit/export", "auditor").splitlines()]
    for old, new in zip(export[: head["tree_size"]], now, strict=False):
        assert old["leaf_input"] == new["leaf_input"], old["position"]
        proof = proofs[old["position"]]
        leaf = leaf_hash(base64.b64decode(old["leaf_input"]))
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
        assert root_from_inclusion(proof["leaf_index"], head["tree_size"], leaf, path) == root
    verified = cli(
        site,
        "audit",
        "verify",
        "--tree-head",
        str(tmp_path / "head.json"),
        "--public-key",
        base64.b64encode(site.signer.public_key).decode(),
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # Nothing public confirms a guess: no plain hash of the words or of the request anywhere, and no key.
    guesses = [
        hashlib.sha256(text.encode()).hexdigest()
        for text in (UPDATE_WORDS, COMMENT_WORDS, f"**{UPDATE_WORDS}**.", COMMENTER)
    ]
    fingerprint = hashlib.sha256()
    for part in (b"POST", f"/api/articles/{slugs[0]}/comments".encode(), raw):
        fingerprint.update(part + b"\0")
    guesses.append(fingerprint.hexdigest())
    exported = site.ok("GET", "/api/audit/export", "auditor")
    for guess in guesses:
        assert guess not in exported and guess not in after_text
    assert banned["ban_id"]


@pytest.mark.postgres
def test_scrub_refuses_a_server_that_keeps_old_wal_segments_naming_the_setting() -> None:
    """The machine's PostgreSQL recycles WAL segments (the default): a scrub would leave the erased rows in
    them, so it does nothing and says what to set."""
    with postgres_database() as dbname:
        url = postgres_url(dbname)
        Newsroom.from_url(url).close()
        done = subprocess.run(
            [sys.executable, "-m", "newsroom_cli", "scrub"],
            cwd=ROOT,
            env={**os.environ, "NEWSROOM_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert "nothing done" in done.stderr
    assert "wal_recycle = off" in done.stderr
