"""Auditing on SQLite and a real PostgreSQL: the as-of view against a full replay, the audit tree against
the stored log, proofs, export in constant memory, and tampering caught by `newsroom audit verify`."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import orjson
import pytest

from newsroom import Article, Newsroom
from newsroom.merkle import root_of, verify_consistency, verify_inclusion
from newsroom.treehead import TreeSigner, verify_head
from projections import audit
from projections.article_page import CHECKPOINT_EVERY
from projections.audit_tree import record_leaf
from projections.diff import article_diff
from projections.history import page_as_of, plain_page
from projections.projector import Projector
from projections.registry import ReadModels, open_read_models

SLUG = "harbour-crane-collapse"
EDITOR, MODERATOR = "staff:ines", "staff:mo"


@pytest.fixture
def app(sql_url: str) -> Iterator[Newsroom]:
    newsroom = Newsroom.from_url(sql_url)
    yield newsroom
    newsroom.close()


@pytest.fixture
def store(app: Newsroom) -> ReadModels:
    return open_read_models(app)


def write_story(app: Newsroom, events: int, seed: int) -> None:
    """A story of ``events`` events made of every kind of change, chosen by a seeded random walk."""
    rng = random.Random(seed)
    article = Article.draft(
        slug=SLUG,
        headline="A crane falls at the harbour",
        body="Nobody was hurt.",
        byline_name="Ines",
        actor=EDITOR,
    )
    updates: list[UUID] = []
    comments: list[UUID] = []
    while article.version < events:
        roll = rng.random()
        if article.status != "published":
            article.publish(actor=EDITOR)
        elif roll < 0.4 or not updates:
            updates.append(
                article.append_update(body=f"Update {article.version}.", label="Live", actor=EDITOR)
            )
        elif roll < 0.6:
            reply = rng.choice(comments) if comments and rng.random() < 0.3 else None
            reply = None if reply is not None and article.comment_hidden(reply) else reply
            comments.append(
                article.add_comment(author="Reader", body=f"Comment {article.version}", reply_to=reply)
            )
        elif roll < 0.66 and article.update_state(target := rng.choice(updates)) == "live":
            article.strike_update(target, reason="Wrong crane", actor=EDITOR)
        elif roll < 0.72 and article.update_state(target := rng.choice(updates)) == "live":
            article.revise_update(target, body=f"Revised at {article.version}.", note="Detail", actor=EDITOR)
        elif roll < 0.78 and article.update_state(target := rng.choice(updates)) == "live":
            if target.hex in article.marked_updates and article.marked_updates[target.hex] == "pinned":
                article.unpin_update(target, actor=EDITOR)
            else:
                article.pin_update(target, actor=EDITOR)
        elif roll < 0.86 and comments:
            target = rng.choice(comments)
            if article.comment_hidden(target):
                article.restore_comment(target, reason="Fine after all", actor=MODERATOR)
            else:
                article.hide_comment(target, reason="Off topic", actor=MODERATOR)
        elif roll < 0.93:
            article.change_headline(headline=f"Crane story, take {article.version}", actor=EDITOR)
        else:
            article.revise_body(body=f"Body as of {article.version}.", correction_note="Fixed", actor=EDITOR)
        if len(article.pending_events) >= 50:
            app.save(article)
    app.save(article)


@pytest.mark.parametrize("seed", [1, 2])
def test_as_of_every_version_and_instant_equals_a_full_replay(
    app: Newsroom, store: ReadModels, seed: int
) -> None:
    write_story(app, 3 * CHECKPOINT_EVERY + 17, seed)
    Projector(app, store, batch_size=41).catch_up()
    events = list(app.article_events(SLUG))
    for event in events:
        version = event.originator_version
        fast = plain_page(page_as_of(app, SLUG, version=version, read_models=store))
        assert fast == plain_page(page_as_of(app, SLUG, version=version)), version
        moment = event.timestamp
        assert plain_page(page_as_of(app, SLUG, moment=moment, read_models=store)) == plain_page(
            page_as_of(app, SLUG, moment=moment)
        ), moment
    # The last version is the live page.
    assert plain_page(page_as_of(app, SLUG, version=events[-1].originator_version, read_models=store)) == {
        **store.article_page(SLUG),  # type: ignore[dict-item]
        "as_of": {"version": events[-1].originator_version, "at": events[-1].timestamp.isoformat()},
    }


def test_diff_names_who_did_each_change(app: Newsroom, store: ReadModels) -> None:
    article = Article.draft(slug=SLUG, headline="First", body="Body.", byline_name="Ines", actor=EDITOR)
    article.publish(actor=EDITOR)
    kept = article.append_update(body="Crane down.", label="08:00", actor=EDITOR)
    app.save(article)
    start = article.version
    wrong = article.append_update(body="Two hurt.", label="08:10", actor="staff:kit")
    article.strike_update(wrong, reason="Nobody was hurt", actor=EDITOR)
    comment = article.add_comment(author="Lea", body="Stay safe", reply_to=None)
    article.hide_comment(comment, reason="Personal details", actor=MODERATOR)
    article.change_headline(headline="Second", actor="staff:kit")
    article.revise_update(kept, body="Crane down at pier 4.", note="Pier", actor=EDITOR)
    app.save(article)
    Projector(app, store).catch_up()
    diff = article_diff(app, SLUG, from_version=start, to_version=article.version, read_models=store)
    assert diff["headline"]["before"] == "First" and diff["headline"]["after"] == "Second"
    assert [c["by"] for c in diff["headline"]["changes"]] == ["staff:kit"]
    assert diff["body"] is None
    assert [(u["id"], u["by"]) for u in diff["updates"]["added"]] == [(wrong.hex, "staff:kit")]
    assert [(u["id"], u["by"], u["reason"]) for u in diff["updates"]["struck"]] == [
        (wrong.hex, EDITOR, "Nobody was hurt")
    ]
    revised = diff["updates"]["revised"]
    assert [(u["before"], u["after"], u["by"]) for u in revised] == [
        ("Crane down.", "Crane down at pier 4.", EDITOR)
    ]
    assert [(c["by"], c["visible_now"]) for c in diff["comments"]["added"]] == [("reader:Lea", False)]
    assert [(c["by"], c["reason"]) for c in diff["comments"]["hidden"]] == [(MODERATOR, "Personal details")]
    assert diff["events"] == article.version - start


def test_the_audit_tree_matches_the_log_and_its_proofs_verify(app: Newsroom, store: ReadModels) -> None:
    write_story(app, 150, seed=3)
    Projector(app, store, batch_size=13).catch_up()
    records = list(audit.records(app))
    leaves = [record_leaf(record.id, record) for record in records]
    signer = TreeSigner.generate()
    head = audit.tree_head(store, signer)
    assert head["tree_size"] == len(records) and head["last_position"] == records[-1].id
    assert head["root_hash"] == root_of(leaves).hex()
    assert verify_head(head, signer.public_key)
    root = bytes.fromhex(head["root_hash"])
    for index in [*random.Random(4).sample(range(len(records)), 25), 0, len(records) - 1]:
        proof = audit.inclusion(store, records[index].id)
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
        assert verify_inclusion(index, len(records), leaves[index], path, root)
        older = audit.inclusion(store, records[index].id, tree_size=index + 1)
        assert older["root_hash"] == root_of(leaves[: index + 1]).hex()
    for old in (1, 2, 7, 64, 100, len(records)):
        proof = audit.consistency(store, old, None)
        assert proof["from_root"] == root_of(leaves[:old]).hex()
        nodes = [bytes.fromhex(node) for node in proof["proof"]]
        assert verify_consistency(old, len(records), nodes, root_of(leaves[:old]), root)
    assert audit.verify(app, store, saved_head=head, public_key=signer.public_key).ok


def test_export_streams_50000_events_in_constant_memory(tmp_path: Path) -> None:
    app = Newsroom.from_url(f"sqlite:///{tmp_path}/export.sqlite3")
    try:
        article = Article.draft(slug=SLUG, headline="Long", body="Body.", byline_name="Ines", actor=EDITOR)
        article.publish(actor=EDITOR)
        while article.version < 50_000:
            article.append_update(
                body=f"Reading {article.version}: the tide is high.", label=None, actor=EDITOR
            )
            if len(article.pending_events) >= 5000:
                app.save(article)
        app.save(article)
        tracemalloc.start()
        lines, peak_at_5k, first = 0, 0, b""
        for chunk in audit.export_chunks(app):
            first = first or chunk.split(b"\n", 1)[0]
            lines += chunk.count(b"\n")
            if lines == 5_000:
                peak_at_5k = tracemalloc.get_traced_memory()[1]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        app.close()
    assert lines == 50_000
    # Memory does not grow with the log: the peak after 50,000 lines is the peak after 5,000, give or take.
    assert peak < peak_at_5k * 1.5, (peak_at_5k, peak)
    line = orjson.loads(first)
    assert line["position"] == 1 and len(line["hash"]) == 64 and line["type"] == "Article.Drafted"
