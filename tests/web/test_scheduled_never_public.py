"""Property: whatever is scheduled or embargoed reaches no public read before its time: not the API, the
pages, the feeds, search, the sitemap, a live stream's catch-up, nor the export (auditors only). Stories
and updates are drawn at random, each scheduled one carrying a marker that must appear nowhere public,
while released ones must appear."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsroom import Newsroom
from projections.catch_up import CatchUp
from projections.registry import ReadModels, open_read_models
from tests.web.conftest import Api, make_api

LATER = (datetime.now(UTC) + timedelta(days=2)).isoformat()
KINDS = ("published", "scheduled", "embargoed")
UPDATES = ("shown", "scheduled", "released", "struck-before-its-time")

stories = st.lists(
    st.tuples(st.sampled_from(KINDS), st.lists(st.sampled_from(UPDATES), max_size=4)), min_size=1, max_size=3
)


@pytest.fixture(scope="module")
def module_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, ReadModels]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('scheduled') / 'never-public.sqlite3'}"
    for api in make_api(url):
        reader = Newsroom.from_url(url)
        try:
            yield api, open_read_models(reader)
        finally:
            reader.close()


def public_reads(api: Api, read_models: ReadModels, slugs: list[str], words: list[str]) -> str:
    """Everything a reader (no token) can get, searching for ``words`` too, as one text."""
    seen = []
    for path in ("/api/articles?limit=100", "/", "/feed.atom", "/feed.json", "/sitemap.xml"):
        seen.append(api.get(path).text)
    for word in words:
        seen.append(api.get("/api/search", params={"q": word}).text)
        found = api.get("/search", params={"q": word}).text  # the page says what was asked: its results only
        seen.append(found[found.index('<ol id="results"') :])
    for slug in slugs:
        for path in (
            f"/api/articles/{slug}",
            f"/articles/{slug}",
            f"/articles/{slug}/feed.atom",
            f"/articles/{slug}/feed.json",
        ):
            seen.append(api.get(path).text)
        seen.append(api.get(f"/api/articles/{slug}/embargo-proof").text)
    assert api.get("/api/audit/export").status_code == 401
    catch_up = CatchUp(read_models, 0)  # what a live stream resuming from the start is sent
    while (page := catch_up.next_page()) is not None:
        seen.extend(message.data.decode() for message in page)
    return "\n".join(seen)


def test_nothing_scheduled_or_embargoed_is_in_any_public_read_before_its_time(
    module_api: tuple[Api, ReadModels],
) -> None:
    api, read_models = module_api
    numbers = itertools.count()

    @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(drawn=stories)
    def check(drawn: list[tuple[str, list[str]]]) -> None:
        hidden: list[str] = []
        shown: list[str] = []
        slugs: list[str] = []
        last: Any = None
        for kind, updates in drawn:
            n = next(numbers)
            slug = f"story-{n}"
            slugs.append(slug)
            marker = f"marker{n}x"
            body = {
                "slug": slug,
                "headline": f"Headline {marker}",
                "body": f"Body {marker}.",
                "authors": ["editor-1"],
            }
            last = api.post("/api/articles", body, role="editor")
            assert last.status_code == 201, last.text
            if kind == "scheduled":
                last = api.post(f"/api/articles/{slug}/publish", {"at": LATER}, role="editor")
            elif kind == "embargoed":
                last = api.post(
                    f"/api/articles/{slug}/embargo", {"until": LATER, "staff": ["editor-1"]}, role="editor"
                )
            else:
                last = api.post(f"/api/articles/{slug}/publish", role="editor")
            assert last.status_code == 200, last.text
            (hidden if kind != "published" else shown).append(marker)
            if kind != "published":
                continue
            for m, what in enumerate(updates):
                text = f"update{n}u{m}x"
                sent: dict[str, Any] = {"body": f"Update {text}."}
                if what != "shown":
                    sent["at"] = LATER
                last = api.post(f"/api/articles/{slug}/updates", sent, role="editor")
                assert last.status_code == 201, last.text
                update = last.json()["update_id"]
                if what == "released":
                    last = api.post(f"/api/articles/{slug}/updates/{update}/release", role="editor")
                    assert last.status_code == 200, last.text
                elif what == "struck-before-its-time":
                    last = api.post(
                        f"/api/articles/{slug}/updates/{update}/strike",
                        {"reason": "Called off"},
                        role="editor",
                    )
                    assert last.status_code == 200, last.text
                (shown if what in ("shown", "released") else hidden).append(text)
        # Read your writes (every read model moves in the projector's one transaction a batch).
        api.get(f"/api/articles/{slugs[-1]}?after={last.json()['position']}")
        everything = public_reads(api, read_models, slugs, hidden + shown)
        for marker in hidden:
            assert marker not in everything, marker
        for marker in shown:
            assert marker in everything, marker

    check()
