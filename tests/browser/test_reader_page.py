"""The reader page in Chromium: live updates, resuming after a dropped connection, escaping, the desk."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import expect

from newsroom import Newsroom
from tests.browser.conftest import Site, screenshot
from tests.server import running_server

pytestmark = pytest.mark.browser
SLUG = "ferry-brenn-point"


def open_live(page: Any, site: Site, slug: str = SLUG) -> None:
    page.goto(f"{site.base}/articles/{slug}")
    expect(page.locator("#live-state")).to_have_text("live", timeout=5000)


def test_a_posted_update_appears_within_a_second(site: Site, page: Any) -> None:
    site.story(SLUG)
    site.append(SLUG, "Tugboats are on their way from Holm harbour.", "07:10")
    open_live(page, site)
    screenshot(page, "reader-before-update.png")
    started = time.monotonic()
    sent = site.append(SLUG, "The ferry is under tow; all 80 aboard are safe.", "07:42")
    update = page.locator(f"#u-{sent['update_id']}")
    expect(update).to_be_visible(timeout=1000)
    assert time.monotonic() - started < 1.5  # the POST round trip plus at most the 1 s expect allowed
    expect(update).to_contain_text("all 80 aboard are safe")
    expect(update.locator(".label")).to_have_text("07:42")
    # Newest first.
    assert page.locator("#updates > li").first.get_attribute("id") == f"u-{sent['update_id']}"
    screenshot(page, "reader-after-update.png")
    assert page.errors == []


def test_corrections_strikes_pins_and_comments_change_the_page_live(site: Site, page: Any) -> None:
    site.story(SLUG)
    first = site.append(SLUG, "Two people were hurt.", "07:00")
    second = site.append(SLUG, "Power is back on the ferry.", "07:20")
    open_live(page, site)
    site.call(
        "POST",
        f"/api/articles/{SLUG}/updates/{first['update_id']}/strike",
        site.editor,
        json={"reason": "Nobody was hurt"},
    )
    site.call("POST", f"/api/articles/{SLUG}/updates/{second['update_id']}/pin", site.editor)
    site.call(
        "PATCH",
        f"/api/articles/{SLUG}",
        site.editor,
        json={"body": "A ferry with 82 people aboard lost power.", "correction_note": "82 aboard, not 80."},
    )
    comment = site.call(
        "POST", f"/api/articles/{SLUG}/comments", json={"author": "Lea", "body": "Glad all are safe"}
    ).json()
    struck = page.locator(f"#u-{first['update_id']}")
    expect(struck).to_have_class("update struck", timeout=3000)
    expect(struck.locator(".struck-reason")).to_contain_text("Nobody was hurt")
    expect(page.locator(f"#pinned #u-{second['update_id']}")).to_be_visible()
    expect(page.locator("#corrections")).to_contain_text("82 aboard, not 80.")
    expect(page.locator("#body")).to_contain_text("82 people")
    expect(page.locator(f"#c-{comment['comment_id']}")).to_contain_text("Glad all are safe")
    expect(page.locator("#comment-count")).to_have_text("1")
    site.call(
        "POST",
        f"/api/articles/{SLUG}/comments/{comment['comment_id']}/hide",
        site.moderator,
        json={"reason": "Off topic"},
    )
    expect(page.locator(f"#c-{comment['comment_id']}")).to_have_count(0, timeout=3000)
    expect(page.locator("#comment-count")).to_have_text("0")
    assert page.errors == []


def test_missed_updates_arrive_once_after_a_dropped_connection(site: Site, page: Any, tmp_path: Any) -> None:
    site.story(SLUG)
    seen = site.append(SLUG, "Seen before the drop.")
    open_live(page, site)
    expect(page.locator(f"#u-{seen['update_id']}")).to_be_visible()
    process = running_server.last_process  # type: ignore[attr-defined]
    process.terminate()  # the server goes away: every stream drops
    process.wait(timeout=10)
    expect(page.locator("#live-state")).to_have_text("reconnecting…", timeout=5000)
    app = Newsroom.from_url(site.url)  # meanwhile the newsroom keeps writing (as another process would)
    try:
        desk = app.authenticate(site.editor)
        missed = [app.append_update(SLUG, body=f"Missed update {n}.", by=desk).id.hex for n in range(3)]
    finally:
        app.close()
    with running_server(site.url, port=site.port):
        for update_id in missed:
            expect(page.locator(f"#u-{update_id}")).to_have_count(1, timeout=10_000)
        after = site.append(SLUG, "After the reconnect.")
        expect(page.locator(f"#u-{after['update_id']}")).to_have_count(1, timeout=3000)
        ids = page.locator("#updates > li").evaluate_all("nodes => nodes.map(n => n.id)")
        expected = [
            f"u-{after['update_id']}",
            *(f"u-{u}" for u in reversed(missed)),
            f"u-{seen['update_id']}",
        ]
        assert ids == expected  # each once, newest first


def test_a_hostile_comment_shows_as_text_and_runs_nothing(site: Site, page: Any) -> None:
    site.story(SLUG)
    hostile = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> "quoted" & more'
    before = site.call(
        "POST", f"/api/articles/{SLUG}/comments", json={"author": "<b>Mallory</b>", "body": hostile}
    ).json()
    open_live(page, site)  # the server-rendered path
    live = site.call(
        "POST", f"/api/articles/{SLUG}/comments", json={"author": "Eve<svg onload=alert(1)>", "body": hostile}
    ).json()
    for comment_id in (before["comment_id"], live["comment_id"]):  # and the live path
        comment = page.locator(f"#c-{comment_id}")
        expect(comment.locator(".comment-body")).to_have_text(hostile, timeout=3000)
        # Only our own markup: nothing the commenter wrote became an element.
        assert comment.locator(".comment-body *:not(p), .author *").count() == 0
    expect(page.locator(f"#c-{before['comment_id']} .author")).to_have_text("<b>Mallory</b>")
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    csp = site.call("GET", f"/articles/{SLUG}").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_the_front_page_and_the_auditor_view(site: Site, page: Any) -> None:
    site.story(SLUG)
    page.goto(f"{site.base}/")
    expect(page.locator(".story-card").first).to_contain_text("Ferry stuck off Brenn Point")
    site.story("bridge-closed", headline="Holm bridge closed for repairs")
    expect(page.locator(".story-card").first).to_contain_text("Holm bridge closed", timeout=3000)
    site.call("PATCH", f"/api/articles/{SLUG}", site.editor, json={"headline": "Ferry towed to Holm"})
    page.goto(f"{site.base}/audit/{SLUG}")
    page.fill("#token", site.auditor)
    page.click("#signin-form button")
    expect(page.locator("#history li")).to_have_count(3)
    expect(page.locator("#asof-page h3")).to_have_text("Ferry towed to Holm")
    page.locator("#asof").fill("2")
    expect(page.locator("#asof-page h3")).to_have_text("Ferry stuck off Brenn Point", timeout=3000)
    page.click("#diff-form button")
    expect(page.locator("#diff")).to_contain_text("Ferry towed to Holm")
    expect(page.locator("#diff")).to_contain_text("staff:editor-1")


def test_without_javascript_the_page_is_complete(site: Site, browser: Any) -> None:
    site.story(SLUG)
    site.append(SLUG, "Static, but all here.", "09:00")
    context = browser.new_context(java_script_enabled=False)
    try:
        static = context.new_page()
        static.goto(f"{site.base}/articles/{SLUG}")
        expect(static.locator("#headline")).to_have_text("Ferry stuck off Brenn Point")
        expect(static.locator("#updates")).to_contain_text("Static, but all here.")
        expect(static.locator(".byline")).to_contain_text("Covers the coast.")
        data = static.locator('script[type="application/ld+json"]').text_content()
        assert '"@type":"LiveBlogPosting"' in (data or "")
    finally:
        context.close()


STORY_STATE = """() => {
  const story = document.getElementById("story").cloneNode(true);
  for (const node of story.querySelectorAll(".fresh")) node.classList.remove("fresh");
  for (const node of story.querySelectorAll("input[name=form]")) node.removeAttribute("value");
  story.querySelector("#live-state").textContent = "";
  return story.innerHTML.replace(/ class=""/g, "");
}"""


def test_after_a_dropped_connection_the_page_ends_as_a_fresh_load_shows(
    site: Site, page: Any, browser: Any
) -> None:
    site.story(SLUG)
    revised = site.append(SLUG, "Tugs are on their way.")
    struck = site.append(SLUG, "All passengers are safe.")
    comment = site.call(
        "POST", f"/api/articles/{SLUG}/comments", json={"author": "Spammer", "body": "Cheap flights here"}
    ).json()
    open_live(page, site)
    expect(page.locator(f"#c-{comment['comment_id']}")).to_be_visible()
    process = running_server.last_process  # type: ignore[attr-defined]
    process.terminate()
    process.wait(timeout=10)
    expect(page.locator("#live-state")).to_have_text("reconnecting…", timeout=5000)
    app = Newsroom.from_url(site.url)  # while the reader is away, the story changes in every way
    try:
        desk = app.authenticate(site.editor)
        moderator = app.authenticate(site.moderator)
        app.hide_comment(SLUG, UUID(comment["comment_id"]), reason="Advertising", by=moderator)
        app.revise_update(SLUG, UUID(revised["update_id"]), body="Two tugs arrived.", note=None, by=desk)
        app.strike_update(SLUG, UUID(struck["update_id"]), reason="Not yet confirmed", by=desk)
        app.pin_update(SLUG, UUID(revised["update_id"]), by=desk)
        app.edit_article(SLUG, headline="Ferry towed to port", by=desk)
        app.edit_article(SLUG, body="The ferry was towed in.", correction_note="Towed, not sailed.", by=desk)
        app.tag(SLUG, "ferries", by=desk)
        app.add_comment(SLUG, author="Lea", body="Good news.", reply_to=None)
    finally:
        app.close()
    with running_server(site.url, port=site.port):
        expect(page.locator("#headline")).to_have_text("Ferry towed to port", timeout=10_000)
        expect(page.locator(f"#c-{comment['comment_id']}")).to_have_count(0)
        expect(page.locator(".comment")).to_have_count(1)
        fresh = browser.new_page()
        fresh.goto(f"{site.base}/articles/{SLUG}")
        expect(fresh.locator("#live-state")).to_have_text("live", timeout=5000)
        assert page.evaluate(STORY_STATE) == fresh.evaluate(STORY_STATE)
        fresh.close()
