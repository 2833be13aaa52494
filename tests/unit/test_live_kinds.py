"""The live kinds are declared once (projections/live_kinds.py): the read model sends only those, and the
pages' scripts act on the actions the table names, never on a kind of their own."""

from __future__ import annotations

import re
from pathlib import Path

from projections import live_kinds
from projections.article_page import _HANDLERS
from web.fanout.hub import live_kinds as hub_kinds
from web.fragments import ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "web" / "static"


def _reader_actions() -> set[str]:
    script = (STATIC / "reader.js").read_text()
    table = script[
        script.index("const actions = {") : script.index("\n  };", script.index("const actions = {"))
    ]
    return set(re.findall(r'^    "([a-z-]+)": ', table, flags=re.MULTILINE))


def test_every_action_the_table_names_is_one_the_story_page_has() -> None:
    assert _reader_actions() == {kind.action for kind in live_kinds.KINDS}


def test_no_script_names_a_kind() -> None:
    names = {kind.name for kind in live_kinds.KINDS}
    for path in STATIC.rglob("*.js"):
        # A kind would be an event listener's name: addEventListener("update-appended", ...).
        listened = set(re.findall(r'addEventListener\("([a-z-]+)"', path.read_text()))
        assert listened & names == set(), path


def test_the_pages_carry_the_table_as_data() -> None:
    shipped = ENVIRONMENT.globals["live_kinds"]
    assert set(shipped) == {kind.name for kind in live_kinds.KINDS}
    assert shipped["update-erased"] == {
        "action": "update",
        "shows": "update",
        "withdraws": True,
        "front_page": False,
    }
    rendered = ENVIRONMENT.from_string(
        '<script type="application/json">{{ live_kinds | json_ld }}</script>'
    ).render()
    assert '"comment-hidden":{"action":"hide-comment"' in rendered


def test_what_withdraws_and_what_a_fragment_shows_come_from_the_table() -> None:
    assert {
        "comment-hidden",
        "comment-erased",
        "update-erased",
        "article-unpublished",
    } == hub_kinds.WITHDRAWING
    assert live_kinds.FRAGMENTS["embed-attached"] == "embed"
    assert "headline-changed" not in live_kinds.FRAGMENTS


def test_every_kind_is_sent_by_some_handler() -> None:
    """A kind no event makes is a line to delete (the article's states are sent by catch-up too)."""
    source = (ROOT / "projections" / "article_page.py").read_text()
    sent = set(re.findall(r"live_kinds\.([A-Z_]+)\.name", source))
    declared = {name for name, value in vars(live_kinds).items() if isinstance(value, live_kinds.LiveKind)}
    assert sent == declared
    assert len(_HANDLERS) >= 25
