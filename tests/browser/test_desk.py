"""The editor's desk in Chromium, as editors and moderators use it: signing in, every control, two editors
on one story at once, merging a conflicting edit, scheduling, Markdown, presence."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from playwright.sync_api import expect

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.browser.conftest import Site, screenshot

pytestmark = pytest.mark.browser
SLUG = "harbour-flood"
ATOM = "{http://www.w3.org/2005/Atom}"


class Desk:
    """A desk in a browser page, signed in."""

    def __init__(self, page: Any, site: Site, token: str) -> None:
        self.page = page
        self.site = site
        page.goto(f"{site.base}/desk")
        page.fill("#token", token)
        page.click("#signin-form button")
        expect(page.locator("#desk")).to_be_visible(timeout=5000)

    def open(self, slug: str) -> None:
        self.page.fill("#list-search", "")
        self.page.locator(f".story-pick[data-slug='{slug}']").click()
        expect(self.page.locator("#story")).to_be_visible(timeout=5000)
        expect(self.page.locator("#story-view")).to_have_attribute("href", f"/articles/{slug}")

    def said(self, text: str, timeout: float = 5000) -> None:
        expect(self.page.locator("#message")).to_have_text(text, timeout=timeout)

    def append(self, body: str, **fields: Any) -> None:
        self.page.fill("#update-body", body)
        if "headline" in fields:
            self.page.fill("#update-headline", fields["headline"])
        if "label" in fields:
            self.page.fill("#update-label", fields["label"])
        if fields.get("key"):
            self.page.check("#update-key")
        if "contributors" in fields:
            self.page.fill("#update-contributors", fields["contributors"])
        if "at" in fields:
            self.page.fill("#update-at", fields["at"])
        self.page.click("#update-form button:has-text('Append update')")

    def update(self, body: str) -> Any:
        return self.page.locator("#desk-updates > li", has_text=body)


def local_input(page: Any, moment: datetime) -> str:
    """A moment as a datetime-local input takes it, in the browser's own zone."""
    value: str = page.evaluate(
        """(ms) => { const d = new Date(ms); const p = (n) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T` +
          `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`; }""",
        moment.timestamp() * 1000,
    )
    return value


def api_story(site: Site, slug: str, token: str | None = None) -> dict[str, Any]:
    response = site.call("GET", f"/api/articles/{slug}", token or site.editor)
    assert response.status_code == 200, response.text
    story: dict[str, Any] = response.json()
    return story


def another_editor(site: Site, name: str) -> str:
    app = Newsroom.from_url(site.url)
    try:
        token = app.add_staff(name, Role.EDITOR, by=OPERATOR)[1]
        app.change_profile(name, display_name=name.title(), bio=None, picture_url=None, by=OPERATOR)
        return token
    finally:
        app.close()


def test_signing_in_checks_the_token_at_once_and_a_moderator_gets_moderation_not_forms(
    site: Site, page: Any
) -> None:
    site.story(SLUG)
    page.goto(f"{site.base}/desk")
    page.fill("#token", "nr_not-a-real-token")
    page.click("#signin-form button")
    expect(page.locator("#signin-message")).to_have_text("That token was not accepted.")
    expect(page.locator("#desk")).to_be_hidden()
    desk = Desk(page, site, site.moderator)
    expect(page.locator("#me-role")).to_have_text("moderator")
    desk.open(SLUG)
    expect(page.locator("#update-form")).to_be_hidden()
    expect(page.locator("#publish")).to_be_hidden()
    site.call("POST", f"/api/articles/{SLUG}/comments", json={"author": "Ola", "body": "Thanks"})
    expect(page.locator(".desk-comment button", has_text="Hide")).to_have_count(1, timeout=5000)
    assert page.errors == [] or all("401" in error for error in page.errors)


def test_the_desk_appends_an_update_that_another_browser_sees_live(
    site: Site, page: Any, browser: Any
) -> None:
    site.story(SLUG, headline="Ferry stuck off Brenn Point")
    reader_context = browser.new_context()
    try:
        reader = reader_context.new_page()
        reader.goto(f"{site.base}/articles/{SLUG}")
        expect(reader.locator("#live-state")).to_have_text("live", timeout=5000)
        desk = Desk(page, site, site.editor)
        desk.open(SLUG)
        expect(page.locator("#story-headline")).to_have_text("Ferry stuck off Brenn Point")
        desk.append("A second tug is on its way.", label="08:15")
        desk.said("Update published.")
        expect(reader.locator("#updates li", has_text="A second tug is on its way.")).to_be_visible(
            timeout=2000
        )
    finally:
        reader_context.close()


def test_the_desk_drafts_publishes_corrects_strikes_pins_and_moderates(
    site: Site, page: Any, browser: Any
) -> None:
    desk = Desk(page, site, site.editor)
    page.click("#new-story")
    page.fill("#draft-headline", "Quay wall cracks after the storm")
    expect(page.locator("#draft-slug")).to_have_value("quay-wall-cracks-after-the-storm")
    page.fill("#draft-slug", "quay-wall")
    page.fill("#draft-body", "Engineers closed the north quay this morning.")
    page.click("#draft-form button:has-text('Save draft')")
    expect(page.locator("#story-status")).to_have_text("Draft", timeout=3000)
    page.click("#publish")
    expect(page.locator("#story-status")).to_have_text("Live", timeout=3000)
    desk.append("Divers found a second crack.")
    desk.said("Update published.")
    update = desk.update("Divers found a second crack.")
    update.locator("button", has_text="Pin").click()
    expect(desk.update("Divers found a second crack.").locator(".badge.pinned")).to_be_visible(timeout=3000)
    desk.update("Divers found a second crack.").locator("input[aria-label='Why it is struck']").fill(
        "It was the same crack"
    )
    desk.update("Divers found a second crack.").locator("button", has_text="Strike").click()
    expect(desk.update("Divers found a second crack.").locator(".struck-reason")).to_contain_text(
        "It was the same crack", timeout=3000
    )
    page.fill("#edit-body", "Engineers closed the north and east quays this morning.")
    page.fill("#edit-note", "Both quays are closed, not only the north one.")
    page.click("#body-form button:has-text('Save the body')")
    desk.said("Correction published.")
    reader_context = browser.new_context()
    try:
        reader = reader_context.new_page()
        reader.goto(f"{site.base}/articles/quay-wall")
        expect(reader.locator("#corrections")).to_contain_text("Both quays are closed")
        expect(reader.locator(".update.struck .struck-reason")).to_contain_text("It was the same crack")
        comment = site.call(
            "POST", "/api/articles/quay-wall/comments", json={"author": "Sam", "body": "Buy my boat"}
        ).json()
        # A moderator on the desk hides it; the reader's page drops it live.
        expect(reader.locator(f"#c-{comment['comment_id']}")).to_be_visible(timeout=3000)
        page.click("#signout")
        moderator = Desk(page, site, site.moderator)
        moderator.open("quay-wall")
        row = page.locator(".desk-comment", has_text="Buy my boat")
        row.locator("input").fill("Advertising")
        row.locator("button", has_text="Hide").click()
        expect(reader.locator(f"#c-{comment['comment_id']}")).to_have_count(0, timeout=3000)
        expect(page.locator(".desk-comment.hidden-comment")).to_contain_text("Advertising", timeout=3000)
    finally:
        reader_context.close()


def test_every_control_of_the_desk_once(site: Site, page: Any, browser: Any) -> None:
    other = another_editor(site, "ben")
    desk = Desk(page, site, site.editor)
    page.click("#new-story")
    page.fill("#draft-headline", "Storm surge reaches the old town")
    page.fill("#draft-slug", SLUG)
    page.fill("#draft-body", "Water reached the **old town** square at dawn.")
    page.fill("#draft-tags", "storms, old-town")
    page.click("#draft-form button:has-text('Save draft')")
    expect(page.locator("#story-status")).to_have_text("Draft", timeout=3000)

    # Schedule, cancel, embargo, cancel, publish now; a preview link on the way.
    page.click("summary:has-text('Schedule')")
    page.fill("#schedule-at", local_input(page, datetime.now(UTC) + timedelta(hours=2)))
    page.click("#schedule-form button")
    expect(page.locator("#story-status")).to_have_text("Scheduled", timeout=3000)
    page.click("#unschedule")
    expect(page.locator("#story-status")).to_have_text("Draft", timeout=3000)
    page.click("summary:has-text('Embargo')")
    page.fill("#embargo-until", local_input(page, datetime.now(UTC) + timedelta(hours=3)))
    page.fill("#embargo-staff", "editor-1, ben")
    page.click("#embargo-form button")
    expect(page.locator("#story-status")).to_have_text("Embargoed", timeout=3000)
    with page.context.expect_page() as opened:
        page.click("#preview")
    preview = opened.value
    preview.wait_for_load_state()
    expect(preview.locator("#preview-banner")).to_contain_text("embargoed until")
    expect(preview.locator("#headline")).to_have_text("Storm surge reaches the old town")
    # Not yet out: no Live badge, no "first published" without a date.
    expect(preview.locator(".live-badge")).to_have_count(0)
    expect(preview.locator("#byline")).not_to_contain_text("first published")
    preview.close()
    assert site.call("GET", f"/articles/{SLUG}").status_code == 404
    page.click("#unschedule")
    expect(page.locator("#story-status")).to_have_text("Draft", timeout=3000)
    page.click("#publish")
    expect(page.locator("#story-status")).to_have_text("Live", timeout=3000)

    # The story: headline, body with a correction note, authors.
    page.fill("#edit-headline", "Storm surge floods the old town")
    page.click("#headline-form button")
    desk.said("Headline changed.")
    page.fill("#edit-body", "Water reached the **old town** square at dawn and the market hall by noon.")
    page.fill("#edit-note", "The market hall flooded too.")
    page.click("#body-form button:has-text('Save the body')")
    desk.said("Correction published.")
    page.fill("#edit-authors", "editor-1, ben")
    page.click("#authors-form button")
    desk.said("Authors set.")

    # Updates: with a headline, a label, a key event, contributors; scheduled; revised, struck, pinned.
    desk.append(
        "Sandbags at the *market hall*.",
        headline="Sandbags go up",
        label="7:05",
        key=True,
        contributors="ben",
    )
    desk.said("Update published.")
    desk.append("Pumps arrive at noon.", at=local_input(page, datetime.now(UTC) + timedelta(hours=1)))
    desk.said("Update scheduled.")
    scheduled = desk.update("Pumps arrive at noon.")
    expect(scheduled.locator(".badge.scheduled")).to_be_visible()
    scheduled.locator("button", has_text="Release now").click()
    desk.said("Released.")
    desk.append("A bridge is closed.")
    desk.said("Update published.")
    bridge = desk.update("A bridge is closed.")
    bridge.locator("button", has_text="Revise").click()
    page.locator("form.revise textarea").fill("The Lune bridge is closed.")
    page.locator("form.revise input[aria-label='Revision note']").fill("Named the bridge.")
    page.locator("form.revise button:has-text('Save revision')").click()
    desk.said("Update revised.")
    desk.update("The Lune bridge is closed.").locator("button", has_text="Pin").click()
    desk.said("Pinned.")
    desk.update("The Lune bridge is closed.").locator("button", has_text="Unpin").click()
    desk.said("Unpinned.")
    desk.update("The Lune bridge is closed.").locator("button", has_text="Key event").click()
    desk.said("Marked as a key event.")
    desk.update("The Lune bridge is closed.").locator("button", has_text="Not a key event").click()
    desk.said("No longer a key event.")
    desk.update("Pumps arrive at noon.").locator("input[aria-label='Why it is struck']").fill("They did not")
    desk.update("Pumps arrive at noon.").locator("button", has_text="Strike").click()
    desk.said("Struck.")

    # Tags, embeds, related links, comments.
    page.fill("#tag-name", "floods")
    page.click("#tag-form button")
    desk.said("Tagged.")
    page.locator("#desk-tags li", has_text="storms").locator("button").click()
    desk.said("Tag removed.")
    page.select_option("#embed-kind", "map")
    page.fill("#embed-url", "https://www.openstreetmap.org/export/embed.html?bbox=1,2,3,4")
    page.fill("#embed-caption", "The old town")
    page.click("#embed-form button")
    desk.said("Embed attached.")
    page.select_option("#embed-kind", "social")
    page.fill("#embed-url", "https://social.example/@council/1")
    page.click("#embed-form button")
    desk.said("Embed attached.")
    page.locator("#desk-embeds li", has_text="social").locator("button", has_text="Remove").click()
    desk.said("Embed removed.")
    page.fill("#related-url", "https://example.org/flood-map")
    page.fill("#related-title", "Flood map")
    page.click("#related-form button")
    desk.said("Linked.")
    page.click("#close-comments")
    desk.said("Comments closed.")
    page.click("#reopen-comments")
    desk.said("Comments reopened.")
    screenshot(page, "desk-every-control.png")

    story = api_story(site, SLUG)
    assert story["headline"] == "Storm surge floods the old town"
    assert story["corrections"][0]["note"] == "The market hall flooded too."
    assert story["authors"] == ["editor-1", "ben"]
    assert story["tags"] == ["old-town", "floods"]
    assert [embed["kind"] for embed in story["embeds"]] == ["map"]
    assert story["related"] == [{"url": "https://example.org/flood-map", "title": "Flood map"}]
    assert story["comments_open"] is True
    updates = {update["body"]: update for update in story["updates"]}
    sandbags = updates["Sandbags at the *market hall*."]
    assert (sandbags["headline"], sandbags["label"], sandbags["key"], sandbags["contributors"]) == (
        "Sandbags go up",
        "7:05",
        True,
        ["ben"],
    )
    assert updates["Pumps arrive at noon."]["struck"] and not updates["Pumps arrive at noon."]["scheduled"]
    bridge_now = updates["The Lune bridge is closed."]
    assert (
        bridge_now["revision_note"] == "Named the bridge."
        and not bridge_now["pinned"]
        and not bridge_now["key"]
    )

    # End coverage and unpublish, last.
    page.click("#end-coverage")
    desk.said("Coverage ended.")
    assert api_story(site, SLUG)["coverage_ended_at"]
    page.click("summary:has-text('Unpublish')")
    page.fill("#unpublish-reason", "Moved to a new story")
    page.click("#unpublish-form button")
    desk.said("Unpublished.")
    assert site.call("GET", f"/articles/{SLUG}").status_code == 410  # withdrawn, as the reader page says
    assert other


CLEAR = "node => { node.textContent = ''; node.className = 'message'; }"


def test_two_editors_appending_and_editing_at_once_for_30_seconds_are_never_refused_and_lose_nothing(
    site: Site, browser: Any
) -> None:
    site.story(SLUG)
    ben = another_editor(site, "ben")
    pages = [browser.new_context(viewport={"width": 1200, "height": 900}).new_page() for _ in range(2)]
    errors: list[str] = []
    for opened in pages:
        opened.on("pageerror", lambda error: errors.append(str(error)))
    desks = [Desk(pages[0], site, site.editor), Desk(pages[1], site, ben)]
    for desk in desks:
        desk.open(SLUG)
    sent: list[str] = []
    refused: list[str] = []
    rounds = 0
    until = time.monotonic() + 30
    try:
        while time.monotonic() < until:
            rounds += 1
            bodies = [f"Editor {n + 1}, round {rounds}: the water is at {rounds} cm." for n in range(2)]
            for desk, body in zip(desks, bodies, strict=True):
                desk.page.fill("#update-body", body)
            for desk in desks:  # both at once, each from a story its desk loaded before the other's append
                desk.page.click("#update-form button:has-text('Append update')")
            for desk in desks:
                expect(desk.page.locator("#message")).not_to_have_text("", timeout=5000)
            if rounds % 4 == 0:
                # Different parts of the story at once: neither edit is refused.
                desks[0].page.fill("#edit-headline", f"The water rises: round {rounds}")
                desks[1].page.fill("#edit-body", f"The river is {rounds} cm over the quay.")
                desks[0].page.click("#headline-form button")
                desks[1].page.click("#body-form button:has-text('Save the body')")
                desks[0].said("Headline changed.")
                desks[1].said("Body saved.")
            for desk in desks:
                text = desk.page.locator("#message").text_content() or ""
                if "error" in (desk.page.locator("#message").get_attribute("class") or ""):
                    refused.append(text)
            sent.extend(bodies)
            for desk in desks:
                desk.page.locator("#message").evaluate(
                    "node => { node.textContent = ''; node.className = 'message'; }"
                )
        screenshot(pages[0], "desk-two-editors.png")
    finally:
        for opened in pages:
            opened.context.close()
    assert refused == []
    assert errors == []
    story = api_story(site, SLUG)
    kept = [update["body"] for update in story["updates"]]
    assert sorted(kept) == sorted(sent)  # every append kept, each once
    assert rounds >= 8


def test_a_conflicting_edit_of_one_update_shows_both_to_merge_and_saves_the_merge(
    site: Site, page: Any
) -> None:
    site.story(SLUG)
    update = site.append(SLUG, "The dam holds.")
    desk = Desk(page, site, site.editor)
    desk.open(SLUG)
    desk.update("The dam holds.").locator("button", has_text="Revise").click()
    page.locator("form.revise textarea").fill("The dam holds, engineers say.")
    # Meanwhile a colleague revises the same update.
    theirs = site.call(
        "PATCH",
        f"/api/articles/{SLUG}/updates/{update['update_id']}",
        site.editor,
        json={"body": "The dam holds for now."},
    )
    assert theirs.status_code == 200
    page.locator("form.revise button:has-text('Save revision')").click()
    expect(page.locator("#merge")).to_be_visible(timeout=5000)
    expect(page.locator("#merge-theirs")).to_have_text("The dam holds for now.")
    expect(page.locator("#merge-yours")).to_have_text("The dam holds, engineers say.")
    screenshot(page, "desk-merge.png")
    page.fill("#merge-result", "The dam holds for now, engineers say.")
    page.click("#merge-save")
    desk.said("Update revised.")
    expect(page.locator("#merge")).to_be_hidden()
    kept = {u["id"]: u["body"] for u in api_story(site, SLUG)["updates"]}
    assert kept[update["update_id"]] == "The dam holds for now, engineers say."


PUBLIC = (
    f"/api/articles/{SLUG}",
    f"/articles/{SLUG}",
    f"/articles/{SLUG}/feed.atom",
    "/api/articles",
    "/feed.json",
)


def test_a_scheduled_update_appears_on_an_open_reader_page_at_its_time_and_nowhere_before(
    site: Site, page: Any, browser: Any
) -> None:
    site.story(SLUG)
    reader = browser.new_context().new_page()
    reader.goto(f"{site.base}/articles/{SLUG}")
    expect(reader.locator("#live-state")).to_have_text("live", timeout=5000)
    desk = Desk(page, site, site.editor)
    desk.open(SLUG)
    due = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    desk.append("The ferry service resumes.", at=local_input(page, due))
    desk.said("Update scheduled.")
    while datetime.now(UTC) < due - timedelta(milliseconds=300):
        for path in (
            f"/api/articles/{SLUG}",
            f"/articles/{SLUG}",
            f"/articles/{SLUG}/feed.atom",
            "/api/articles",
            "/feed.json",
        ):
            assert "ferry service resumes" not in site.call("GET", path).text, path
        assert reader.locator("#updates li", has_text="The ferry service resumes.").count() == 0
        time.sleep(0.2)
    # At its time: the scheduler wakes for it (seconds, not the next minute); the margin is for a CI
    # machine busy with other work, not what readers wait.
    seconds_left = (due - datetime.now(UTC)).total_seconds()
    expect(reader.locator("#updates li", has_text="The ferry service resumes.")).to_be_visible(
        timeout=int((seconds_left + 5.0) * 1000)
    )
    reader.context.close()


MARKDOWN = (
    "Roads are closed: see [the council's map](https://example.org/closures).\n\n"
    "- Mill Road\n- Quay Street\n\n"
    "![The flooded square](https://example.org/square.jpg)"
)


def test_markdown_renders_alike_on_the_page_live_in_the_feeds_and_in_json_ld(site: Site, page: Any) -> None:
    site.story(SLUG)
    page.goto(f"{site.base}/articles/{SLUG}")
    expect(page.locator("#live-state")).to_have_text("live", timeout=5000)
    sent = site.append(SLUG, MARKDOWN)
    live = page.locator(f"#u-{sent['update_id']} .update-body")
    expect(live).to_be_visible(timeout=2000)
    live_html = live.inner_html()
    assert '<a href="https://example.org/closures" rel="noopener">' in live_html
    assert "<li>Mill Road</li>" in live_html and 'alt="The flooded square"' in live_html
    page.reload()
    assert page.locator(f"#u-{sent['update_id']} .update-body").inner_html() == live_html
    api_html = next(u["body_html"] for u in api_story(site, SLUG)["updates"] if u["id"] == sent["update_id"])
    assert api_html == live_html
    # The feed's own bytes (feed readers, feedparser among them, sanitise what they show in their own way).
    atom = ElementTree.fromstring(site.call("GET", f"/articles/{SLUG}/feed.atom").content)
    content = atom.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert content.text == api_html
    items = site.call("GET", f"/articles/{SLUG}/feed.json").json()["items"]
    assert items[0]["content_html"] == api_html
    ld = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "{}")
    assert ld["liveBlogUpdate"][0]["articleBody"] == (
        "Roads are closed: see the council's map.\n\nMill Road\nQuay Street"
    )


def test_an_entity_is_its_character_and_json_ld_carries_plain_text_without_erased_updates(
    site: Site, page: Any
) -> None:
    site.story(SLUG)
    kept = site.append(SLUG, "Smith &amp; Sons reopened the **quay** caf&eacute;.")
    erased = site.append(SLUG, "The skipper's home address was 12 Harbour Row.")
    app = Newsroom.from_url(site.url)
    try:
        admin = app.add_staff("ada", Role.ADMIN, by=OPERATOR)[1]
    finally:
        app.close()
    gone = site.call(
        "POST",
        f"/api/articles/{SLUG}/updates/{erased['update_id']}/erase",
        admin,
        json={"reason": "A court order: private address"},
    )
    assert gone.status_code == 200, gone.text
    site.settle(SLUG, gone.json()["position"])
    page.goto(f"{site.base}/articles/{SLUG}")
    expect(page.locator(f"#u-{kept['update_id']} .update-body")).to_have_text(
        "Smith & Sons reopened the quay café."
    )
    ld = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "{}")
    assert ld["articleBody"] == "A ferry with 80 people aboard lost power in the strait this morning."
    assert [
        (posting["@id"].rsplit("#", 1)[1], posting["articleBody"]) for posting in ld["liveBlogUpdate"]
    ] == [(f"u-{kept['update_id']}", "Smith & Sons reopened the quay café.")]
    assert "Harbour Row" not in page.content()


HOSTILE_LINKS = (
    "[x](javascript:alert(1))",
    "[x](JavaScript:alert(1))",
    "[x](jav&#x61;script:alert(1))",
    "<javascript:alert(1)>",
    "![x](data:image/png;base64,AAAA)",
)


def test_a_javascript_link_never_becomes_a_link(site: Site, page: Any) -> None:
    site.story(SLUG)
    desk = Desk(page, site, site.editor)
    desk.open(SLUG)
    page.fill("#update-body", "[x](javascript:alert(1))")
    expect(page.locator("#update-form .md-preview")).to_contain_text("javascript:", timeout=3000)
    expect(page.locator("#update-form .md-preview a")).to_have_count(0)
    page.click("#update-form button:has-text('Append update')")
    expect(page.locator("#message")).to_contain_text("links may only point at http(s) or mailto URLs")
    for text in (
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](jav&#x61;script:alert(1))",
        "<javascript:alert(1)>",
        "![x](data:image/png;base64,AAAA)",
    ):
        refused = site.call("POST", f"/api/articles/{SLUG}/updates", site.editor, json={"body": text})
        assert refused.status_code == 422, text
    page.goto(f"{site.base}/articles/{SLUG}")
    assert page.locator("a[href^='javascript' i], img[src^='data:' i]").count() == 0
    assert not re.search(r"javascript:alert", site.call("GET", f"/api/articles/{SLUG}").text)


def test_presence_shows_each_editor_the_other(site: Site, browser: Any) -> None:
    site.story(SLUG)
    ben = another_editor(site, "ben")
    first = Desk(browser.new_context().new_page(), site, site.editor)
    first.open(SLUG)
    second = Desk(browser.new_context().new_page(), site, ben)
    second.open(SLUG)
    expect(second.page.locator("#presence")).to_have_text("Also here: editor-1", timeout=3000)
    expect(first.page.locator("#presence")).to_have_text("Also here: Ben", timeout=7000)
    screenshot(first.page, "desk-presence.png")
    for desk in (first, second):
        desk.page.context.close()


def test_what_an_editor_was_typing_survives_a_reload(site: Site, page: Any) -> None:
    site.story(SLUG)
    desk = Desk(page, site, site.editor)
    desk.open(SLUG)
    page.fill("#update-body", "Half-written: the pumps")
    page.fill("#edit-body", "A body being rewritten.")
    page.reload()
    expect(page.locator("#story")).to_be_visible(timeout=5000)  # still signed in, the story open again
    expect(page.locator("#update-body")).to_have_value("Half-written: the pumps")
    expect(page.locator("#edit-body")).to_have_value("A body being rewritten.")


def test_the_key_event_label_and_badges_stay_on_one_line_at_1280_px(site: Site, page: Any) -> None:
    site.story(SLUG)
    page.set_viewport_size({"width": 1280, "height": 900})
    desk = Desk(page, site, site.editor)
    desk.open(SLUG)
    label = page.locator("label.check", has=page.locator("#update-key")).bounding_box()
    line = page.locator("#update-label").bounding_box()
    assert label is not None and line is not None
    assert label["height"] <= line["height"] + 4, label  # one line, not a letter a line
    assert label["width"] > label["height"] * 3, label
