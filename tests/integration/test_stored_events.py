"""Events stored in their first shapes (tests/fixtures/events-v1.sqlite3, written by the code of the time:
the demo story and a story using every kind of article event) still load, and their pages render as they
did then (tests/fixtures/events-v1-pages.json): every value the page had then, it has now."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from newsroom import Newsroom
from projections.projector import Projector
from projections.registry import open_read_models

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def kept(before: Any, now: Any, where: str = "page") -> None:
    """Every value ``before`` holds, ``now`` holds too (dicts may have gained keys)."""
    if isinstance(before, dict):
        assert isinstance(now, dict), where
        for key, value in before.items():
            assert key in now, f"{where}.{key} is gone"
            kept(value, now[key], f"{where}.{key}")
    elif isinstance(before, list):
        assert isinstance(now, list) and len(now) == len(before), where
        for index, (old, new) in enumerate(zip(before, now, strict=True)):
            kept(old, new, f"{where}[{index}]")
    else:
        assert now == before, f"{where}: {before!r} became {now!r}"


@pytest.fixture
def old_store(tmp_path: Path) -> str:
    copy = tmp_path / "events-v1.sqlite3"
    shutil.copy(FIXTURES / "events-v1.sqlite3", copy)
    return f"sqlite:///{copy}"


def test_events_of_the_first_shapes_load_and_their_pages_render_as_they_did(old_store: str) -> None:
    expected = json.loads((FIXTURES / "events-v1-pages.json").read_text())
    app = Newsroom.from_url(old_store)
    try:
        store = open_read_models(app)
        Projector(app, store).catch_up()
        for slug, page in expected.items():
            kept(page, store.article_page(slug), slug)
            article = app.article(slug)  # the aggregate loads from the old events too
            assert article.version == page["version"]
    finally:
        app.close()
