"""A reader who resumes with Last-Event-ID is sent the present, never the past (SPEC: "Catch-up shows the
present"), over real sockets against `newsroom serve` on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.server import running_server
from tests.sse import Event, Reader


@dataclass
class Site:
    base: str
    tokens: dict[str, str]

    def call(self, method: str, path: str, role: str | None = None, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        response = httpx.request(method, f"{self.base}{path}", headers=headers, timeout=10, **kwargs)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    def story(self, slug: str) -> int:
        self.call("POST", "/api/articles", "editor", json={"slug": slug, "headline": "Gale", "body": "Wind."})
        return int(self.call("POST", f"/api/articles/{slug}/publish", "editor")["position"])

    def update(self, slug: str, body: str) -> dict[str, Any]:
        return self.call("POST", f"/api/articles/{slug}/updates", "editor", json={"body": body})

    def comment(self, slug: str, author: str, body: str) -> dict[str, Any]:
        return self.call("POST", f"/api/articles/{slug}/comments", json={"author": author, "body": body})


@pytest.fixture
def site(sql_url: str) -> Iterator[Site]:
    app = Newsroom.from_url(sql_url)
    tokens = {
        role: app.add_staff(f"{role}-1", Role(role), by=OPERATOR)[1] for role in ("editor", "moderator")
    }
    app.close()
    with running_server(sql_url) as base:
        yield Site(base, tokens)


def resume_story(site: Site, slug: str, after: int) -> list[Event]:
    """What a reader of one story resuming after ``after`` is sent before a change made once it is back."""
    reader = Reader(f"{site.base}/api/articles/{slug}/live", last_event_id=after).start()
    try:
        marker = site.comment(slug, "Marker", "I am back.")["position"]
        assert reader.wait_for(lambda r: marker in r.ids())
        return [event for event in reader.events if event.id != marker]
    finally:
        reader.stop()


def resume_site(site: Site, after: int) -> list[Event]:
    """What a reader of the site feed resuming after ``after`` is sent before its tree head (which comes
    once the catch-up is written)."""
    reader = Reader(f"{site.base}/api/live", last_event_id=after).start()
    try:
        assert reader.wait_for(lambda r: any(e.kind == "tree-head" for e in r.events))
        return reader.events[: next(i for i, e in enumerate(reader.events) if e.kind == "tree-head")]
    finally:
        reader.stop()


def test_a_resuming_reader_is_not_sent_the_text_of_a_comment_hidden_since(site: Site) -> None:
    start = site.story("harbour")
    hidden = site.comment("harbour", "Spammer", "BUY CHEAP WATCHES at spam.example")
    kept = site.comment("harbour", "Lea", "Stay safe, everyone.")
    hidden_at = site.call(
        "POST",
        f"/api/articles/harbour/comments/{hidden['comment_id']}/hide",
        "moderator",
        json={"reason": "Advertising"},
    )["position"]
    for events in (resume_story(site, "harbour", start), resume_site(site, start), resume_site(site, 0)):
        wire = "".join(event.data for event in events)
        assert "CHEAP WATCHES" not in wire
        assert "Spammer" not in wire
        about = {_comment_of(event): event for event in events if event.kind.startswith("comment")}
        assert about[hidden["comment_id"]].kind == "comment-hidden"
        assert about[hidden["comment_id"]].id == hidden_at  # its latest change, not when it was posted
        assert about[kept["comment_id"]].kind == "comment-added"
        assert json.loads(about[kept["comment_id"]].data)["comment"]["body"] == "Stay safe, everyone."
        assert [event.id for event in events] == sorted({event.id for event in events})  # in order, once


def _comment_of(event: Event) -> str:
    data = json.loads(event.data)
    return str(data["comment"]["id"] if "comment" in data else data["comment_id"])


def test_a_resuming_reader_is_not_sent_the_updates_of_a_story_withdrawn_since(site: Site) -> None:
    site.story("quarry")
    before = site.story("landslip")
    site.update("landslip", "The road above the quarry has slipped.")
    site.update("landslip", "Two houses evacuated on Mill Lane.")
    withdrawn = site.call(
        "POST", "/api/articles/landslip/unpublish", "editor", json={"reason": "Facts under review"}
    )
    events = resume_site(site, before - 1)
    wire = "".join(event.data for event in events)
    assert "Mill Lane" not in wire
    assert "quarry has slipped" not in wire
    (told,) = [event for event in events if json.loads(event.data)["slug"] == "landslip"]
    assert (told.kind, told.id) == ("article-unpublished", withdrawn["position"])
    assert json.loads(told.data)["reason"] == "Facts under review"


def test_a_resuming_reader_is_sent_an_update_only_in_its_current_wording(site: Site) -> None:
    start = site.story("bridge")
    update = site.update("bridge", "The bridge will close at noon.")
    for n in range(20):
        revised = site.call(
            "PATCH",
            f"/api/articles/bridge/updates/{update['update_id']}",
            "editor",
            json={"body": f"The bridge will close at {n + 1} p.m.", "note": "New time from the council."},
        )
    events = resume_story(site, "bridge", start)
    # One message for the update, however many events changed it: its current wording, at its last change.
    updates = [event for event in events if event.kind.startswith("update")]
    assert [(event.kind, event.id) for event in updates] == [("update-revised", revised["position"])]
    assert json.loads(updates[0].data)["update"]["body"] == "The bridge will close at 20 p.m."
    assert "noon" not in "".join(event.data for event in events)


def test_a_story_changed_while_withdrawn_comes_whole_when_republished(site: Site) -> None:
    site.story("dam")
    update = site.update("dam", "Water is over the spillway.")
    seen = site.comment("dam", "Ole", "Is the lower road open?")
    site.call("POST", "/api/articles/dam/unpublish", "editor", json={"reason": "Checking figures"})
    site.call(
        "PATCH",
        f"/api/articles/dam/updates/{update['update_id']}",
        "editor",
        json={"body": "Water is close to the spillway.", "note": "It had not reached it."},
    )
    republished = site.call("POST", "/api/articles/dam/publish", "editor")
    # A reader who left before the withdrawal knew the update's first wording: the story comes whole.
    events = resume_story(site, "dam", seen["position"])
    (whole,) = [event for event in events if event.kind == "article-published"]
    assert whole.id == republished["position"]
    article = json.loads(whole.data)["article"]
    assert [u["body"] for u in article["updates"]] == ["Water is close to the spillway."]
    assert [c["body"] for c in article["comments"]] == ["Is the lower road open?"]
    assert "over the spillway" not in "".join(event.data for event in events)
    page = httpx.get(f"{site.base}/api/articles/dam").json()
    assert article["updates"] == page["updates"]
    assert article["comments"] == [c for c in page["comments"] if c["author"] != "Marker"]
