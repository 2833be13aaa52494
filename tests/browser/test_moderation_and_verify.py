"""Moderators, auditors and readers checking the record, in Chromium: the moderation queue (reports,
approving, hiding many at once, bans, pre-moderation), the "verify" control on updates and corrections (and
what it says when a row was changed in the database), the /verify page against a head kept earlier, the
auditor's views; and axe-core on each."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from newsroom.treehead import TreeSigner
from tests.browser.conftest import Site, screenshot
from tests.browser.test_readers_site import FORM_WAIT_MS, no_violations
from tests.server import ROOT, free_port, running_server

pytestmark = pytest.mark.browser
SLUG = "pier-collapse"


@pytest.fixture
def signed(tmp_path: Path) -> Iterator[Site]:
    """A site whose tree heads are signed, as a newsroom that publishes its key runs."""
    url = f"sqlite:///{tmp_path}/signed.sqlite3"
    app = Newsroom.from_url(url)
    tokens = {
        role: app.add_staff(f"{role}-1", Role(role), by=OPERATOR)[1]
        for role in ("editor", "moderator", "auditor")
    }
    app.close()
    port = free_port()
    key = TreeSigner.generate().setting()
    with running_server(url, port=port, NEWSROOM_AUDIT_KEY=key, NEWSROOM_COMMENT_LIMIT="100") as base:
        yield Site(base, url, port, tokens["editor"], tokens["moderator"], tokens["auditor"])


def sign_in(page: Any, token: str) -> None:
    page.fill("#token", token)
    page.click("#signin-form button")


def verify(page: Any, holder: str) -> Any:
    page.locator(f"{holder} button.verify").click()
    result = page.locator(f"{holder} .verified")
    expect(result).not_to_have_class("verified checking", timeout=5000)
    return result


def test_verify_says_verified_for_an_update_and_a_correction(signed: Site, page: Any) -> None:
    signed.story(SLUG)
    update = signed.append(
        SLUG,
        "Divers found **two** broken piles:\n\n- one at the head\n- one [mid-way](https://example.org/pier)",
    )
    revised = signed.append(SLUG, "The pier is closed to fishing.")
    signed.call(
        "PATCH",
        f"/api/articles/{SLUG}/updates/{revised['update_id']}",
        signed.editor,
        json={"body": "The pier is closed to everyone.", "note": "It is closed to walkers too."},
    )
    corrected = signed.call(
        "PATCH",
        f"/api/articles/{SLUG}",
        signed.editor,
        json={
            "body": "A section of the old pier fell into the sea overnight.",
            "correction_note": "It was overnight, not at dawn.",
        },
    )
    assert corrected.status_code == 200, corrected.text
    page.goto(f"{signed.base}/articles/{SLUG}?after={corrected.json()['position']}")
    for holder in (f"#u-{update['update_id']}", f"#u-{revised['update_id']}", "#corrections .correction"):
        result = verify(page, holder)
        expect(result).to_have_class("verified ok")
        expect(result).to_contain_text("Verified: recorded at position")
        expect(result).to_contain_text("signed")
    screenshot(page, "reader-verified.png")


def test_a_row_changed_in_the_database_makes_it_say_not_verified(signed: Site, page: Any) -> None:
    signed.story(SLUG)
    update = signed.append(SLUG, "Forty metres of the pier are gone.")
    page.goto(f"{signed.base}/articles/{SLUG}?after={update['position']}")
    holder = f"#u-{update['update_id']}"
    expect(verify(page, holder)).to_have_class("verified ok")
    # Someone with the database rewrites the record (here, whether the update was a key event).
    with sqlite3.connect(signed.url.removeprefix("sqlite:///")) as db:
        changed = db.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), '\"key_event\":false', "
            "'\"key_event\":true') AS BLOB) WHERE rowid = ?",
            (update["position"],),
        ).rowcount
    assert changed == 1
    result = verify(page, holder)
    expect(result).to_have_class("verified bad")
    expect(result).to_contain_text("Not verified: the record is not the one the audit log holds")


def test_an_erased_update_can_still_be_verified_as_removed_on_the_record(signed: Site, page: Any) -> None:
    """Its words are gone; its tombstone's Verify checks the erasure's own record: who, when and why."""
    signed.story(SLUG)
    update = signed.append(SLUG, "A name that must come off the page.")
    erased = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsroom_cli",
            "erase",
            "update",
            SLUG,
            update["update_id"],
            "--reason",
            "Court order 7/26",
        ],
        cwd=ROOT,
        env={**os.environ, "NEWSROOM_DATABASE_URL": signed.url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert erased.returncode == 0, erased.stderr
    holder = f"#u-{update['update_id']}"
    page.goto(f"{signed.base}/articles/{SLUG}")
    expect(page.locator(f"{holder} .tombstone")).to_contain_text("Court order 7/26")
    result = verify(page, holder)
    expect(result).to_have_class("verified ok")
    expect(result).to_contain_text("Verified: its removal is recorded at position")
    screenshot(page, "reader-erased-verified.png")


def test_the_verify_page_checks_a_head_kept_before_more_events(signed: Site, page: Any) -> None:
    signed.story(SLUG)
    page.goto(f"{signed.base}/verify")
    expect(page.locator("#current")).to_contain_text("records, signed")
    page.click("#save-head")
    expect(page.locator("#kept")).to_contain_text("Kept: the head of")
    kept = json.loads(page.evaluate("localStorage.getItem('newsroom-tree-heads')"))[-1]
    for n in range(5):
        signed.append(SLUG, f"Update {n} after the head was kept.")
    page.reload()
    expect(page.locator("#saved-head")).to_have_value(json.dumps(kept, indent=2))
    page.click("#check-form button")
    expect(page.locator("#outcome .verified.ok")).to_contain_text(
        f"begins with exactly the {kept['tree_size']} records"
    )
    screenshot(page, "verify-page.png")
    no_violations(page, "verify page")
    forged = {**kept, "root_hash": "0" * 64}
    page.fill("#saved-head", json.dumps(forged))
    page.click("#check-form button")
    expect(page.locator("#outcome .verified.bad")).to_contain_text("Not consistent")
    # Half a head, or no head at all, is said to be one at once instead of "Checking…" for ever.
    for pasted in ('{"tree_size": 5}', "[1, 2]", "not json"):
        page.fill("#saved-head", pasted)
        page.click("#check-form button")
        expect(page.locator("#outcome .verified.bad")).to_contain_text("That is not a tree head")


def test_the_moderation_queue_reports_bulk_hiding_bans_and_premoderation(
    signed: Site, page: Any, browser: Any
) -> None:
    site = signed
    site.story(SLUG)
    site.story("harbour-fees", headline="Harbour fees to rise")
    for n in range(3):
        response = site.call(
            "POST",
            f"/api/articles/{SLUG}/comments",
            json={"author": f"Reader {n}", "body": f"Comment {n} on the pier."},
        )
        assert response.status_code == 201
    spam = site.call(
        "POST",
        "/api/articles/harbour-fees/comments",
        json={"author": "Cheap Boats", "body": "Boats for sale, call now"},
    ).json()
    site.call(
        "POST", f"/api/articles/harbour-fees/comments/{spam['comment_id']}/flag", json={"reason": "spam"}
    ).raise_for_status()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{site.base}/moderation")
    sign_in(page, site.moderator)
    reported = page.locator(".queue-item")
    expect(reported).to_have_count(1, timeout=5000)
    expect(reported.first).to_contain_text("Reported 1 time: spam \u00d71")
    expect(page.locator('[data-count="flagged"]')).to_have_text("(1)")
    expect(page.locator('[data-count="new"]')).to_have_text("(3)")
    screenshot(page, "moderation-queue.png")
    no_violations(page, "moderation queue")
    assert missing == []  # every script and style the page asks for is there
    # Hide the spam with a reason, then every comment not yet seen at once.
    reported.first.locator("details.popover summary", has_text="Hide").click()
    reported.first.get_by_label("Reason to hide").fill("Spam or advertising")
    reported.first.locator(".reason-form button", has_text="Hide").click()
    expect(page.locator("#message")).to_have_text("Hid 1 comment.")
    page.click('.tab[data-state="new"]')
    expect(page.locator(".queue-item")).to_have_count(3)
    page.check("#select-all")
    expect(page.locator("#selected-count")).to_have_text("3 selected")
    page.click('[data-bulk="approve"]')
    expect(page.locator("#message")).to_have_text("Approved 3 comments.")
    expect(page.locator('[data-count="approved"]')).to_have_text("(3)")
    page.click('.tab[data-state="hidden"]')
    expect(page.locator(".queue-item .hidden-by")).to_contain_text("Hidden by staff:moderator-1")
    # A ban by name: the commenter is told why.
    page.click('.tab[data-state="bans"]')
    page.fill("#ban-name", "Cheap Boats")
    page.fill("#ban-reason", "Advertising, three times")
    page.click("#ban-form button")
    expect(page.locator("#bans .queue-item")).to_contain_text("Cheap Boats")
    expect(page.locator("#ban-name")).to_have_value("")  # a second press cannot ban twice
    expect(page.locator("#filters")).to_be_hidden()  # story and client filters are for comments
    refused = site.call(
        "POST",
        "/api/articles/harbour-fees/comments",
        json={"author": "cheap boats", "body": "Still for sale"},
    )
    assert refused.status_code == 403 and "Advertising, three times" in refused.json()["error"]["message"]
    # Pre-moderation: a reader's comment waits, the moderator approves it, the reader's page shows it live.
    page.click('.tab[data-state="held"]')
    page.fill("#filter-slug", SLUG)
    page.click("#filters button[type=submit], #filters > button:not(#clear-filters)")
    expect(page.locator("#story-settings")).to_be_visible()
    page.check("#premoderate")
    expect(page.locator("#message")).to_contain_text("now wait for approval")
    reader = browser.new_context().new_page()
    reader.goto(f"{site.base}/articles/{SLUG}")
    expect(reader.locator("#premoderated")).to_be_visible()
    reader.wait_for_timeout(FORM_WAIT_MS)
    reader.fill("#comment-author", "Nia")
    reader.fill("#comment-body", "Will the pier be rebuilt?")
    reader.click("#comment-form button")
    expect(reader.locator("#comment-held")).to_contain_text("once a moderator has approved it")
    assert reader.locator(".comment", has_text="Will the pier be rebuilt?").count() == 0
    page.click('.tab[data-state="held"]')
    held = page.locator(".queue-item", has_text="Will the pier be rebuilt?")
    expect(held).to_be_visible()
    held.locator("button", has_text="Approve").click()
    expect(reader.locator(".comment", has_text="Will the pier be rebuilt?")).to_be_visible(timeout=5000)
    reader.context.close()


def test_the_auditor_sees_every_change_in_words_and_exports_the_story(signed: Site, page: Any) -> None:
    signed.story(SLUG)
    update = signed.append(SLUG, "The pier will stay closed.")
    signed.call("POST", f"/api/articles/{SLUG}/updates/{update['update_id']}/pin", signed.editor)
    signed.call("POST", f"/api/articles/{SLUG}/tags", signed.editor, json={"tag": "piers"})
    edited = signed.call(
        "PATCH",
        f"/api/articles/{SLUG}",
        signed.editor,
        json={
            "body": "A section of the old pier fell into the sea overnight.",
            "correction_note": "Overnight.",
        },
    )
    page.goto(f"{signed.base}/audit")
    sign_in(page, signed.auditor)
    expect(page.locator("#stories a", has_text="Ferry stuck off Brenn Point")).to_be_visible(timeout=5000)
    no_violations(page, "audit list")
    page.locator("#stories a").first.click()
    expect(page.locator("#history li").first).to_be_visible(timeout=5000)
    expect(page.locator("#history")).to_contain_text("Update pinned")
    expect(page.locator("#history")).to_contain_text("Tagged — piers")
    page.select_option("#filter-kind", "Update pinned")
    expect(page.locator("#history li")).to_have_count(1)
    expect(page.locator("#history-count")).to_contain_text("1 of")
    page.fill("#diff-to", str(edited.json()["version"]))
    page.click("#diff-form button")
    expect(page.locator("#diff del").first).to_be_visible()
    expect(page.locator("#diff ins").first).to_contain_text("section")
    expect(page.locator("#diff")).to_contain_text("Update pinned")
    assert "nullnull" not in page.locator("#diff").inner_text()
    with page.expect_download() as download:
        page.click("#export")
    lines = Path(download.value.path()).read_text().splitlines()
    assert len(lines) == edited.json()["version"] and all("leaf_input" in json.loads(line) for line in lines)
    screenshot(page, "audit-story.png")
    no_violations(page, "auditor view")


def test_the_audit_pages_refuse_a_wrong_token_at_once_and_sign_out(signed: Site, page: Any) -> None:
    """A mistyped token, or another role's, is said at the form and not kept (it once left the auditor on a
    page that only said "moderator may not read audit", with no way back but closing the tab)."""
    signed.story(SLUG)
    page.goto(f"{signed.base}/audit")
    sign_in(page, signed.moderator)
    expect(page.locator("#signin-message")).to_have_text("This token is not an auditor's.")
    sign_in(page, "nr_not_a_token")
    expect(page.locator("#signin-message")).to_have_text("That token was not accepted.")
    page.reload()
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#stories-panel")).to_be_hidden()
    sign_in(page, signed.auditor)
    expect(page.locator("#me-role")).to_have_text("auditor")
    expect(page.locator("#stories a").first).to_be_visible(timeout=5000)
    page.goto(f"{signed.base}/audit/{SLUG}")  # the tab keeps the good token
    expect(page.locator("#history li").first).to_be_visible(timeout=5000)
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#audit")).to_be_hidden()
