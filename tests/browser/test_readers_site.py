"""The readers' site in Chromium: commenting and replying from the page (with and without JavaScript),
reports, long stories, one rendering for live and reload, times, error pages, topic, author and search
pages, and accessibility (axe-core finds nothing, announcements, a pause control, the keyboard)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from newsroom import Newsroom
from newsroom.staff import OPERATOR
from tests.browser.conftest import Site, screenshot
from tests.browser.test_desk import Desk

pytestmark = pytest.mark.browser
SLUG = "quay-storm"
FORM_WAIT_MS = 3100  # the comment form is refused sooner than 3 s after the page was rendered


def open_live(page: Any, site: Site, slug: str = SLUG) -> None:
    page.goto(f"{site.base}/articles/{slug}")
    expect(page.locator("#live-state")).to_have_text("live", timeout=5000)


def comment(site: Site, body: str, author: str = "Ola", reply_to: str | None = None) -> str:
    sent = {"author": author, "body": body, **({"reply_to": reply_to} if reply_to else {})}
    response = site.call("POST", f"/api/articles/{SLUG}/comments", json=sent)
    assert response.status_code == 201, response.text
    return str(response.json()["comment_id"])


def no_violations(page: Any, name: str) -> None:
    results = Axe().run(page)
    found = [(v["id"], [node["target"] for node in v["nodes"]][:3]) for v in results.response["violations"]]
    assert found == [], f"{name}: {found}"


def test_a_reader_comments_and_replies_from_the_page_and_sees_them_at_once(site: Site, page: Any) -> None:
    site.story(SLUG)
    first = comment(site, "The harbour wall is holding.", author="Lea")
    open_live(page, site)
    page.fill("#comment-author", "Sam")
    page.fill("#comment-body", "Stay away from the quay, see https://example.org/advice tonight.")
    page.click("#comment-form button")
    expect(page.locator("#comment-error")).to_contain_text("read a moment longer")  # too quick: a bot's pace
    expect(page.locator("#comment-error")).to_have_text(
        re.compile("^That was quick")
    )  # words, not "form: ..."
    page.wait_for_timeout(FORM_WAIT_MS)
    page.click("#comment-form button")
    posted = page.locator(".comment", has_text="Stay away from the quay")
    expect(posted).to_be_visible(timeout=3000)
    link = posted.locator(".comment-body a")
    expect(link).to_have_attribute("href", "https://example.org/advice")
    expect(link).to_have_attribute("rel", "nofollow ugc")
    expect(page.locator("#comment-body")).to_have_value("")
    # A reply: the form moves under the comment, and the reply lands under it.
    page.locator(f"#c-{first} a.reply").first.click()
    expect(page.locator("#comment-form-title")).to_have_text("Reply to Lea")
    page.fill("#comment-body", "Glad to hear it.")
    page.click("#comment-form button")
    expect(page.locator(f"#c-{first} .replies .comment", has_text="Glad to hear it.")).to_be_visible(
        timeout=3000
    )
    expect(page.locator("#comment-count")).to_have_text("3")
    # Escape leaves a reply begun by mistake, and the keyboard stays in the form.
    page.locator(f"#c-{first} a.reply").first.click()
    expect(page.locator("#comment-form-title")).to_have_text("Reply to Lea")
    page.keyboard.press("Escape")
    expect(page.locator("#comment-form-title")).to_have_text("Add a comment")
    expect(page.locator("#comment-body")).to_be_focused()
    screenshot(page, "reader-comments.png")
    assert [
        error for error in page.errors if "Failed to load resource" not in error
    ] == []  # 422 was expected


def test_without_javascript_the_comment_form_posts_replies_and_keeps_bots_out(
    site: Site, browser: Any
) -> None:
    site.story(SLUG)
    first = comment(site, "Is the ferry running?", author="Lea")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site.base}/articles/{SLUG}")
        page.wait_for_timeout(FORM_WAIT_MS)
        page.fill("#comment-author", "Sam")
        page.fill("#comment-body", "No, not until noon.")
        page.click("#comment-form button")
        expect(page.locator(".comment", has_text="No, not until noon.")).to_be_visible()
        # A reply without JavaScript: the reply link opens the form for it.
        page.locator(f"#c-{first} a.reply").first.click()
        expect(page.locator("#comment-form-title")).to_have_text("Reply to a comment")
        page.wait_for_timeout(FORM_WAIT_MS)
        page.fill("#comment-author", "Kim")
        page.fill("#comment-body", "The timetable is on the council site.")
        page.click("#comment-form button")
        expect(page.locator(f"#c-{first} .replies .comment")).to_contain_text(
            "The timetable is on the council site."
        )
        # A bot fills in the field people never see: it is told all went well, and nothing is kept.
        page.goto(f"{site.base}/articles/{SLUG}")
        page.wait_for_timeout(FORM_WAIT_MS)
        page.evaluate("document.querySelector('input[name=website]').value = 'http://spam.example'")
        page.fill("#comment-author", "Bot")
        page.fill("#comment-body", "Buy cheap things")
        page.click("#comment-form button")
        assert page.url.endswith(f"/articles/{SLUG}#comments")
        assert "Buy cheap things" not in site.call("GET", f"/api/articles/{SLUG}").text
        # A comment that cannot be taken: the page again, saying why, with what was typed.
        page.goto(f"{site.base}/articles/{SLUG}")
        page.wait_for_timeout(FORM_WAIT_MS)
        page.fill("#comment-author", "Sam")
        page.fill("#comment-body", "\u0007 bell")
        page.click("#comment-form button")
        expect(page.locator("#comment-error")).to_contain_text("control characters")
        expect(page.locator("#comment-error")).to_contain_text("Your comment must not contain")
        expect(page.locator("#comment-author")).to_have_value("Sam")
    finally:
        context.close()


def test_too_many_comments_says_how_long_to_wait_and_closed_comments_say_so(site: Site, page: Any) -> None:
    site.story(SLUG)
    open_live(page, site)
    page.wait_for_timeout(FORM_WAIT_MS)
    for n in range(6):  # five a minute from one reader
        page.fill("#comment-author", "Sam")
        page.fill("#comment-body", f"Comment number {n}.")
        page.click("#comment-form button")
        if n < 5:
            expect(page.locator(".comment", has_text=f"Comment number {n}.")).to_be_visible(timeout=3000)
    expect(page.locator("#comment-error")).to_contain_text("please wait", timeout=3000)
    expect(page.locator("#comment-error")).to_contain_text("seconds")
    site.call("POST", f"/api/articles/{SLUG}/comments/close", site.editor)
    expect(page.locator("#comments-closed")).to_have_text("Comments are closed.", timeout=3000)
    expect(page.locator("#comment-box")).to_contain_text("Comments are closed on this story", timeout=3000)
    expect(page.locator("#comment-form")).to_have_count(0)


def test_a_reader_reports_a_comment_for_the_moderators(site: Site, page: Any) -> None:
    site.story(SLUG)
    rude = comment(site, "You are all fools.", author="Troll")
    open_live(page, site)
    item = page.locator(f"#c-{rude}")
    item.locator("details.report summary").click()
    item.locator("input[value=abuse]").check()
    item.locator("details.report button").click()
    expect(item).to_contain_text("the moderators will look at it")
    expect(item.locator(".note")).to_be_focused()  # the keyboard stays at the comment, not the page's top
    flagged = site.call("GET", f"/api/moderation?slug={SLUG}", site.moderator).json()["comments"]
    assert [(c["id"], c["flags"], c["flag_reasons"]) for c in flagged] == [(rude, 1, {"abuse": 1})]


def test_a_long_story_shows_its_newest_updates_and_the_older_ones_in_place(
    site: Site, page: Any, browser: Any
) -> None:
    site.story(SLUG)
    for n in range(1, 46):
        site.append(SLUG, f"Reading number {n}.")
    open_live(page, site)
    expect(page.locator("#updates > li")).to_have_count(30)
    expect(page.locator("#updates > li").first).to_contain_text("Reading number 45.")
    screenshot(page, "reader-long-story.png")
    page.click("#older")
    expect(page.locator("#updates > li")).to_have_count(45, timeout=3000)
    expect(page.locator("#updates > li").last).to_contain_text("Reading number 1.")
    expect(page.locator("#older")).to_have_count(0)
    # Without JavaScript, "Older updates" is a page of its own.
    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(f"{site.base}/articles/{SLUG}")
        plain.click("#older")
        assert "before=" in plain.url
        expect(plain.locator("#updates > li")).to_have_count(15)
        expect(plain.locator("#updates > li").first).to_contain_text("Reading number 15.")
    finally:
        context.close()


PAGE_STATE = """() => {
  const story = document.getElementById("story").cloneNode(true);
  for (const node of story.querySelectorAll(".fresh")) node.classList.remove("fresh");
  for (const node of story.querySelectorAll("input[name=form]")) node.removeAttribute("value");
  for (const node of story.querySelectorAll("[data-wired]")) node.removeAttribute("data-wired");
  story.querySelector("#live-state").textContent = "";
  story.querySelector("#announcer").textContent = "";  // what was said to screen readers, as it came
  return story.innerHTML.replace(/ class=""/g, "");
}"""


def test_what_arrives_live_leaves_the_page_as_a_reload_shows_it(site: Site, page: Any, browser: Any) -> None:
    site.story(SLUG)
    first = site.append(SLUG, "Waves over the wall.")
    hidden_parent = comment(site, "First!", author="Spam")
    open_live(page, site)
    # Every kind of change, live: updates (with Markdown, a headline, a key event), revisions, strikes,
    # pins, embeds, comments, replies, and hiding a comment that has replies.
    second = site.call(
        "POST",
        f"/api/articles/{SLUG}/updates",
        site.editor,
        json={
            "body": "Roads **closed**: see [the map](https://example.org/m).",
            "headline": "Roads closed",
            "key": True,
        },
    ).json()
    site.call(
        "PATCH",
        f"/api/articles/{SLUG}/updates/{first['update_id']}",
        site.editor,
        json={"body": "Waves over the north wall.", "note": "Which wall"},
    )
    site.call("POST", f"/api/articles/{SLUG}/updates/{second['update_id']}/pin", site.editor)
    third = site.append(SLUG, "A car was swept away.")
    site.call(
        "POST",
        f"/api/articles/{SLUG}/updates/{third['update_id']}/strike",
        site.editor,
        json={"reason": "It was parked"},
    )
    site.call(
        "POST",
        f"/api/articles/{SLUG}/embeds",
        site.editor,
        json={"kind": "image", "url": "https://example.org/wall.jpg", "caption": "The wall"},
    )
    reply = comment(site, "Not first.", author="Lea", reply_to=hidden_parent)
    comment(site, "Thanks for the updates.", author="Kim")
    comment(site, "Agreed.", author="Sam", reply_to=reply)
    site.call(
        "POST", f"/api/articles/{SLUG}/comments/{hidden_parent}/hide", site.moderator, json={"reason": "Spam"}
    )
    site.call("POST", f"/api/articles/{SLUG}/tags", site.editor, json={"tag": "storms"})
    site.call(
        "POST",
        f"/api/articles/{SLUG}/related",
        site.editor,
        json={"url": "https://example.org/tides", "title": "Tides"},
    )
    last = site.call(
        "PATCH",
        f"/api/articles/{SLUG}",
        site.editor,
        json={"body": "A storm hit the quay.", "correction_note": "It was a storm."},
    ).json()
    expect(page.locator("#corrections")).to_contain_text("It was a storm.", timeout=5000)
    expect(page.locator("#key-list")).to_contain_text("Roads closed", timeout=5000)
    page.wait_for_function(
        "position => window.newsroomReader.lastPosition() >= position", arg=last["position"], timeout=5000
    )
    fresh = browser.new_page()
    fresh.goto(f"{site.base}/articles/{SLUG}")
    expect(fresh.locator("#live-state")).to_have_text("live", timeout=5000)
    # The parts the live page takes from the server again (the key events, the corrections) may still be
    # on their way: it ends as the fresh load shows, within a few seconds.
    deadline = time.monotonic() + 5
    while page.evaluate(PAGE_STATE) != fresh.evaluate(PAGE_STATE) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate(PAGE_STATE) == fresh.evaluate(PAGE_STATE)
    fresh.close()


def test_times_are_the_readers_with_how_long_ago_and_an_update_headline_is_its_title(
    site: Site, page: Any
) -> None:
    site.story(SLUG)
    site.call(
        "POST",
        f"/api/articles/{SLUG}/updates",
        site.editor,
        json={"body": "Calm again.", "headline": "Calm", "label": "10:00"},
    )
    site.append(SLUG, "Wind easing.", label="10:30")
    page.emulate_media(reduced_motion="reduce")
    open_live(page, site)
    titled = page.locator(".update", has_text="Calm again.")
    expect(titled.locator(".update-headline")).to_have_text("Calm")
    expect(titled.locator(".label")).to_have_count(0)  # the label only where there is no headline
    expect(page.locator(".update", has_text="Wind easing.").locator(".label")).to_have_text("10:30")
    expect(titled.locator("time")).to_contain_text("just now")


@pytest.mark.parametrize(("accept", "kind"), [("text/html", "html"), ("application/json", "json")])
def test_browsers_get_error_pages_and_programs_json(site: Site, browser: Any, accept: str, kind: str) -> None:
    site.story(SLUG)
    site.call(
        "POST",
        "/api/articles",
        site.editor,
        json={"slug": "a-draft", "headline": "Draft", "body": "Not yet."},
    )
    site.call("POST", f"/api/articles/{SLUG}/unpublish", site.editor, json={"reason": "Sources withdrew"})
    for path, status in (
        (f"/articles/{SLUG}", 410),
        ("/articles/no-such-story", 404),
        ("/articles/a-draft", 404),
    ):
        response = site.call("GET", path, headers={"Accept": accept})
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith(
            "text/html" if kind == "html" else "application/json"
        )
        if kind == "html" and status == 410:
            assert "Withdrawn" in response.text and "Sources withdrew" in response.text
    if kind == "html":
        page = browser.new_page()
        page.goto(f"{site.base}/articles/{SLUG}")
        expect(page.locator("h1")).to_have_text("Withdrawn")
        no_violations(page, "error page")
        screenshot(page, "reader-withdrawn.png")
        page.close()


def test_topic_and_author_pages_live_with_their_feeds(site: Site, page: Any) -> None:
    app = Newsroom.from_url(site.url)
    try:
        app.change_profile(
            "editor-1", display_name="Ana Ruiz", bio="Covers the coast.", picture_url=None, by=OPERATOR
        )
    finally:
        app.close()
    site.call(
        "POST",
        "/api/articles",
        site.editor,
        json={
            "slug": SLUG,
            "headline": "Storm at the quay",
            "body": "Waves.",
            "tags": ["storms", "coast"],
            "authors": ["editor-1"],
        },
    )
    site.call("POST", f"/api/articles/{SLUG}/publish", site.editor)
    site.story("ferry-news", headline="Ferry resumes")  # tagged coast, no author
    page.goto(f"{site.base}/articles/{SLUG}")
    page.click("#tags a:has-text('storms')")
    expect(page.locator("h1")).to_have_text("Stories on storms")
    expect(page.locator(".story-card")).to_have_count(1)
    screenshot(page, "reader-topic.png")
    page.goto(f"{site.base}/articles/{SLUG}")
    page.click("#byline a.name")
    expect(page.locator("h1")).to_have_text("Ana Ruiz")
    expect(page.locator(".profile")).to_contain_text("Covers the coast.")
    expect(page.locator(".story-card")).to_have_count(1)
    screenshot(page, "reader-author.png")
    # The list is live: a new story by the author appears without a reload.
    site.call(
        "POST",
        "/api/articles",
        site.editor,
        json={
            "slug": "tide-table",
            "headline": "Tide table for the week",
            "body": "High at six.",
            "authors": ["editor-1"],
        },
    )
    site.call("POST", "/api/articles/tide-table/publish", site.editor)
    expect(page.locator(".story-card")).to_have_count(2, timeout=3000)
    for path in (
        "/tags/storms/feed.atom",
        "/tags/storms/feed.json",
        "/authors/editor-1/feed.atom",
        "/authors/editor-1/feed.json",
    ):
        response = site.call("GET", path)
        assert response.status_code == 200 and SLUG in response.text, path
    assert 'xml:lang="en"' in site.call("GET", "/tags/storms/feed.atom").text
    front = site.call("GET", "/?tag=storms", headers={"Accept": "text/html"}).text
    assert SLUG in front and "ferry-news" not in front
    assert site.call("GET", "/authors/nobody", headers={"Accept": "text/html"}).status_code == 404


def test_search_finds_stories_and_updates_with_the_words_marked(site: Site, page: Any) -> None:
    site.story(SLUG, headline="Storm floods the quay")
    site.append(SLUG, "The lifeboat rescued two fishermen near the lighthouse.")
    site.call(
        "POST",
        "/api/articles",
        site.editor,
        json={"slug": "secret-draft", "headline": "Lighthouse sale", "body": "The lighthouse is for sale."},
    )
    page.goto(f"{site.base}/")
    page.fill("#site-q", "lighthouse")
    page.press("#site-q", "Enter")
    expect(page.locator("#results > li")).to_have_count(1)  # the draft is no reader's to find
    expect(page.locator("#results mark")).to_have_text("lighthouse")
    assert (page.locator("#results a").first.get_attribute("href") or "").startswith(
        f"{site.base}/articles/{SLUG}#u-"
    )
    screenshot(page, "reader-search.png")
    staff = site.call("GET", "/api/search?q=lighthouse", site.editor).json()["results"]
    assert {result["slug"] for result in staff} == {SLUG, "secret-draft"}


def test_new_updates_are_announced_politely_and_a_reader_can_pause_them(site: Site, page: Any) -> None:
    site.story(SLUG)
    open_live(page, site)
    site.call(
        "POST",
        f"/api/articles/{SLUG}/updates",
        site.editor,
        json={"body": "The wall holds.", "headline": "Wall holds"},
    )
    expect(page.locator("#announcer")).to_have_text("New update: Wall holds", timeout=3000)
    assert page.locator("#announcer").get_attribute("aria-live") == "polite"
    page.keyboard.press("Tab")  # the skip link first
    expect(page.locator("a.skip")).to_be_focused()
    page.locator("#pause").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#pause")).to_have_attribute("aria-pressed", "true")
    site.append(SLUG, "Held back while paused.")
    expect(page.locator("#show-held")).to_have_text("Show 1 new change", timeout=3000)
    assert page.locator(".update", has_text="Held back while paused.").count() == 0
    page.locator("#show-held").click()
    expect(page.locator(".update", has_text="Held back while paused.")).to_be_visible()


def test_axe_finds_no_accessibility_violation_on_any_page(site: Site, page: Any) -> None:
    site.story(SLUG, headline="Storm floods the quay")
    for n in range(35):
        site.append(SLUG, f"Reading {n}: the water is **{n} cm** higher.")
    comment(site, "Thanks for the coverage.")
    page.goto(f"{site.base}/")
    no_violations(page, "front page")
    open_live(page, site)
    no_violations(page, "long story")
    page.goto(f"{site.base}/articles/{SLUG}?before=10")
    no_violations(page, "older updates")
    page.goto(f"{site.base}/search?q=water")
    no_violations(page, "search")
    page.goto(f"{site.base}/tags/coast")
    no_violations(page, "tag page")
    page.goto(f"{site.base}/authors/editor-1")
    no_violations(page, "author page")
    desk = Desk(page, site, site.editor)
    no_violations(page, "desk")
    desk.open(SLUG)
    no_violations(page, "desk with a story")
    page.evaluate("sessionStorage.clear()")  # signed out of the desk: the auditor signs in
    page.goto(f"{site.base}/audit/{SLUG}")
    page.fill("#token", site.auditor)
    page.click("#signin-form button")
    expect(page.locator("#history li").first).to_be_visible(timeout=5000)
    no_violations(page, "auditor view")
