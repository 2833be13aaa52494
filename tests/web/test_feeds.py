"""Atom and JSON Feed, checked by a real feed parser and the JSON Feed 1.1 schema."""

from __future__ import annotations

import time

import feedparser
import httpx
import jsonschema
import pytest

from tests.web.conftest import Api

# JSON Feed 1.1 (https://jsonfeed.org/version/1.1): the required members and their types.
JSON_FEED_1_1 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "title": {"type": "string"},
                    "content_text": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "authors": {"type": "array", "items": {"type": "object", "required": ["name"]}},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def atom(api: Api, path: str) -> feedparser.FeedParserDict:
    response = api.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.bozo_exception
    assert parsed.version == "atom10"
    return parsed


def json_feed(api: Api, path: str) -> dict:
    response = api.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/feed+json")
    feed = response.json()
    jsonschema.validate(feed, JSON_FEED_1_1, format_checker=jsonschema.FormatChecker())
    return feed


def test_site_feeds_re_emit_a_story_when_an_update_or_correction_lands(api: Api) -> None:
    older, newer = api.story(), api.story()
    written = api.post(f"/api/articles/{newer}/updates", {"body": "Newer news."}, role="editor")
    api.settled("/api/articles", written)
    feed = atom(api, "/feed.atom")
    assert [entry.link.rsplit("/", 1)[-1] for entry in feed.entries][:2] == [newer, older]
    first_updated = {entry.link.rsplit("/", 1)[-1]: entry.updated for entry in feed.entries}
    time.sleep(0.01)
    corrected = api.call(
        "PATCH",
        f"/api/articles/{older}",
        json={"body": "Fixed body.", "correction_note": "Date fixed."},
        role="editor",
    )
    api.settled("/api/articles", corrected)
    again = {entry.link.rsplit("/", 1)[-1]: entry.updated for entry in atom(api, "/feed.atom").entries}
    assert again[older] > first_updated[older]  # the correction re-emits the story
    assert again[newer] == first_updated[newer]
    items = {item["url"].rsplit("/", 1)[-1]: item for item in json_feed(api, "/feed.json")["items"]}
    assert items[older]["date_modified"] == again[older]


def test_a_story_feed_lists_updates_marks_struck_ones_and_corrections(api: Api) -> None:
    slug = api.story()
    wrong = api.post(
        f"/api/articles/{slug}/updates", {"body": "Three ships sank.", "label": "09:00"}, role="editor"
    )
    api.post(
        f"/api/articles/{slug}/updates", {"body": "All ships are afloat.", "label": "09:30"}, role="editor"
    )
    api.post(
        f"/api/articles/{slug}/updates/{wrong.json()['update_id']}/strike",
        {"reason": "No ship sank"},
        role="editor",
    )
    done = api.call(
        "PATCH",
        f"/api/articles/{slug}",
        json={"body": "Body & <more>.", "correction_note": "Names."},
        role="editor",
    )
    api.settled(f"/api/articles/{slug}", done)
    feed = atom(api, f"/articles/{slug}/feed.atom")
    titles = [entry.title for entry in feed.entries]
    assert "[Struck] 09:00" in titles and "09:30" in titles and f"Correction: Headline {slug}" in titles
    struck = next(entry for entry in feed.entries if entry.title == "[Struck] 09:00")
    assert "Struck: No ship sank" in struck.content[0].value
    assert [tag.term for tag in struck.tags] == ["struck"]
    items = json_feed(api, f"/articles/{slug}/feed.json")["items"]
    assert {item["title"] for item in items} == set(titles)


@pytest.mark.parametrize(
    "path", ["/articles/{slug}/feed.atom", "/articles/{slug}/feed.json", "/articles/{slug}"]
)
def test_drafts_have_no_page_and_no_feed(api: Api, path: str) -> None:
    slug = api.story(publish=False)
    assert api.get(path.format(slug=slug)).status_code == 404


def test_the_lists_show_a_revised_latest_update_as_revised_and_a_struck_one_not_at_all(api: Api) -> None:
    slug = api.story()
    base = f"/api/articles/{slug}/updates"
    first = api.post(base, {"body": "Ferries run as usual."}, role="editor").json()
    wrong = api.post(base, {"body": "Every ferry is cancelled WRONGFACT."}, role="editor").json()
    revised = api.call(
        "PATCH",
        f"{base}/{wrong['update_id']}",
        json={"body": "The evening ferry is cancelled FIXEDFACT.", "note": "Only one ferry."},
        role="editor",
    )
    assert revised.status_code == 200, revised.text

    def lists(after: httpx.Response) -> list[str]:
        listed = api.settled("/api/articles", after).json()
        return [
            str(listed),
            api.get("/").text,
            api.get("/feed.atom").text,
            api.get("/feed.json").text,
            api.call("GET", "/api/desk/stories", role="editor").text,
        ]

    for shown in lists(revised):
        assert "FIXEDFACT" in shown and "WRONGFACT" not in shown
    struck = api.post(f"{base}/{wrong['update_id']}/strike", {"reason": "Wrong ferry."}, role="editor")
    assert struck.status_code == 200, struck.text
    for shown in lists(struck):
        assert "FIXEDFACT" not in shown and "WRONGFACT" not in shown
    # The story's page still has every update, the struck one marked; only the lists drop it.
    page = api.get(f"/articles/{slug}").text
    assert f'id="u-{first["update_id"]}"' in page and "FIXEDFACT" in page
