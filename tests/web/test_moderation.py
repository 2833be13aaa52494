"""The moderation queue through the API, on SQLite and PostgreSQL: comments of every story by state, readers'
reports, approvals, pre-moderation, acts on many comments at once (all or nothing), bans by name and by
client with the reason the commenter is told, and who may do what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import Api


def comment(
    api: Api, slug: str, author: str = "Lea", body: str = "A comment.", **kwargs: Any
) -> httpx.Response:
    return api.post(f"/api/articles/{slug}/comments", {"author": author, "body": body}, **kwargs)


def queue(api: Api, written: httpx.Response | None = None, **params: Any) -> dict[str, Any]:
    if written is not None:
        params["after"] = written.json()["position"]
    response = api.get("/api/moderation", params=params, role="moderator")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def ids(found: dict[str, Any]) -> list[str]:
    return [c["id"] for c in found["comments"]]


def test_one_queue_for_every_story_by_state(api: Api) -> None:
    first, second = api.story(), api.story()
    a = comment(api, first, body="First story, first comment.").json()["comment_id"]
    b = comment(api, second, body="Second story.").json()["comment_id"]
    flagged = api.post(f"/api/articles/{second}/comments/{b}/flag", {"reason": "spam"})
    assert flagged.status_code == 200, flagged.text
    found = queue(api, flagged, state="new")
    assert ids(found) == [a]
    assert found["counts"]["new"] == 1 and found["counts"]["flagged"] == 1
    reported = queue(api, state="flagged")["comments"]
    assert [(c["id"], c["slug"], c["flag_reasons"]) for c in reported] == [(b, second, {"spam": 1})]
    approved = api.post(f"/api/articles/{second}/comments/{b}/approve", role="moderator")
    assert approved.status_code == 200, approved.text
    after = queue(api, approved)
    assert after["counts"]["flagged"] == 0 and after["counts"]["approved"] == 1
    again = api.post(f"/api/articles/{second}/comments/{b}/flag", {"reason": "abuse"})
    assert ids(queue(api, again, state="flagged")) == [b]  # reported again after a moderator looked


def test_hidden_comments_say_who_hid_them_and_why(api: Api) -> None:
    slug = api.story()
    made = comment(api, slug).json()["comment_id"]
    hidden = api.post(
        f"/api/articles/{slug}/comments/{made}/hide", {"reason": "Personal details"}, role="moderator"
    )
    (shown,) = queue(api, hidden, state="hidden")["comments"]
    assert (shown["hidden_by"], shown["hidden_reason"]) == ("staff:moderator-1", "Personal details")
    assert [act["act"] for act in shown["acts"]] == ["hidden"]


def test_premoderated_comments_wait_for_approval(api: Api) -> None:
    slug = api.story()
    on = api.call(
        "PUT", f"/api/articles/{slug}/comments/moderation", json={"premoderated": True}, role="moderator"
    )
    assert on.status_code == 200, on.text
    held = comment(api, slug, body="Held until approved.")
    assert held.status_code == 201
    page = api.settled(f"/api/articles/{slug}", held).json()
    assert page["comments"] == [] and page["premoderated"] is True
    assert "Held until approved." not in api.get(f"/articles/{slug}").text
    comment_id = held.json()["comment_id"]
    assert ids(queue(api, held, state="held")) == [comment_id]
    reply = api.post(f"/api/articles/{slug}/comments", {"author": "Bo", "body": "Re", "reply_to": comment_id})
    assert reply.status_code == 409  # no replies to what readers cannot see
    approved = api.post(f"/api/articles/{slug}/comments/{comment_id}/approve", role="moderator")
    page = api.settled(f"/api/articles/{slug}", approved).json()
    assert [c["body"] for c in page["comments"]] == ["Held until approved."]
    assert page["comments"][0]["position"] == approved.json()["position"]  # shown from its approval on


def test_many_comments_at_once_all_or_nothing(api: Api) -> None:
    first, second = api.story(), api.story()
    made = [
        comment(api, slug, body=f"Spam {n}").json()["comment_id"]
        for n, slug in enumerate([first, second, first])
    ]
    refs = [{"slug": s, "id": c} for s, c in zip([first, second, first], made, strict=True)]
    missing = api.post(
        "/api/moderation/bulk",
        {"action": "hide", "reason": "Spam", "comments": [*refs, {"slug": second, "id": "0" * 32}]},
        role="moderator",
    )
    assert missing.status_code == 404
    assert queue(api)["counts"]["hidden"] == 0  # nothing was hidden
    no_reason = api.post("/api/moderation/bulk", {"action": "hide", "comments": refs}, role="moderator")
    assert no_reason.status_code == 422
    hidden = api.post(
        "/api/moderation/bulk", {"action": "hide", "reason": "Spam", "comments": refs}, role="moderator"
    )
    assert hidden.status_code == 200 and hidden.json()["changed"] == 3
    assert sorted(ids(queue(api, hidden, state="hidden"))) == sorted(made)
    again = api.post(
        "/api/moderation/bulk", {"action": "hide", "reason": "Spam", "comments": refs[:1]}, role="moderator"
    )
    assert again.json() == {"changed": 0, "unchanged": refs[:1], "position": None}
    restored = api.post(
        "/api/moderation/bulk", {"action": "restore", "reason": "Fine", "comments": refs}, role="moderator"
    )
    assert restored.json()["changed"] == 3
    assert api.settled(f"/api/articles/{first}", restored).json()["comment_count"] == 2


def test_a_banned_commenter_is_told_why_by_name_and_by_client(api: Api) -> None:
    slug = api.story()
    written = comment(api, slug, author="Rex Spammer", body="Buy now")
    made = written.json()["comment_id"]
    by_comment = api.post(
        "/api/moderation/bans",
        {"comment": {"slug": slug, "id": made}, "reason": "Advertising"},
        role="moderator",
    )
    assert by_comment.status_code == 201, by_comment.text
    queue(api, by_comment)  # the ban is in the read model
    refused = comment(api, slug, author="Someone Else", body="Hello")  # the same client
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "banned",
        "message": "you may not comment here: Advertising",
        "details": {"reason": "Advertising"},
    }
    bans = api.get("/api/moderation/bans", role="moderator").json()["bans"]
    assert [(b["name"], b["reason"], b["active"]) for b in bans] == [("Rex Spammer", "Advertising", True)]
    assert bans[0]["client"]  # the pseudonym of where it came from, never the address
    assert "testclient" not in str(bans)
    lifted = api.post(
        f"/api/moderation/bans/{bans[0]['id']}/lift", {"reason": "Appeal upheld"}, role="moderator"
    )
    assert lifted.status_code == 200
    api.get("/api/moderation/bans", params={"after": lifted.json()["position"]}, role="moderator")
    assert comment(api, slug, author="Someone Else", body="Hello").status_code == 201
    by_name = api.post("/api/moderation/bans", {"name": "rex  SPAMMER", "reason": "Again"}, role="moderator")
    api.get("/api/moderation/bans", params={"after": by_name.json()["position"]}, role="moderator")
    assert comment(api, slug, author="Rex Spammer", body="Hi").status_code == 403  # names match as spoken


@pytest.mark.parametrize(
    "disguised",
    [
        "Spammer\u200b Joe",
        "Spammer Joe\u200b",
        "S\u200dpammer Joe",
        "Spammer\u2060 Joe",
        "\ufeffSpammer Joe",
        "Spam\u00admer Joe",
        "Spammer Joe\u034f",
        "Spammer\u180e Joe",
        "\u202eSpammer Joe",
        "SPAMMER\u3000JOE",
    ],
)
def test_a_banned_name_is_not_bypassed_by_characters_that_show_nothing(api: Api, disguised: str) -> None:
    slug = api.story()
    banned = api.post("/api/moderation/bans", {"name": "Spammer Joe", "reason": "Spam"}, role="moderator")
    assert banned.status_code == 201, banned.text
    api.get("/api/moderation/bans", params={"after": banned.json()["position"]}, role="moderator")
    refused = comment(api, slug, author=disguised, body="Hi")
    assert refused.status_code == 403, (disguised, refused.text)
    assert refused.json()["error"]["code"] == "banned"


def test_a_ban_or_a_filter_by_part_of_a_client_is_refused_not_matching_no_one(api: Api) -> None:
    for client in ("10f11508", "a", "0" * 21, "G" * 20):
        refused = api.post("/api/moderation/bans", {"client": client, "reason": "Spam"}, role="moderator")
        assert refused.status_code == 422, (client, refused.text)
        assert refused.json()["error"]["details"]["field"] == "client"
        filtered = api.get("/api/moderation", params={"client": client}, role="moderator")
        assert filtered.status_code == 422, (client, filtered.text)
    whole = api.post(
        "/api/moderation/bans", {"client": "0123456789abcdef0123", "reason": "Spam"}, role="moderator"
    )
    assert whole.status_code == 201, whole.text


def test_who_may_moderate_and_erase(api: Api) -> None:
    slug = api.story()
    made = comment(api, slug).json()["comment_id"]
    for role in ("editor", "auditor", None):
        assert api.get("/api/moderation", role=role).status_code in (401, 403)
        assert api.post("/api/moderation/bans", {"name": "X", "reason": "Y"}, role=role).status_code in (
            401,
            403,
        )
    for role in ("moderator", "editor"):
        erase = api.post(f"/api/articles/{slug}/comments/{made}/erase", {"reason": "Request"}, role=role)
        assert erase.status_code == 403
        assert (
            api.post("/api/commenters/erase", {"name": "Lea", "reason": "Request"}, role=role).status_code
            == 403
        )
    erased = api.post("/api/commenters/erase", {"name": "lea", "reason": "Request"}, role="admin")
    assert erased.status_code == 200, erased.text
    assert erased.json()["comments"] == 1 and erased.json()["stories"] == [slug]
    (tombstone,) = queue(api, erased, state="erased")["comments"]
    assert (tombstone["author"], tombstone["body"], tombstone["erased"]["reason"]) == ("", "", "Request")
    gone = api.post(f"/api/articles/{slug}/comments/{made}/hide", {"reason": "x"}, role="moderator")
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "erased"


def test_a_ban_that_would_stop_no_one_more_is_refused_not_doubled(api: Api) -> None:
    """Two bans on one name meant lifting one left the commenter banned by the other."""
    first = api.post("/api/moderation/bans", {"name": "Rex Spammer", "reason": "Ads"}, role="moderator")
    assert first.status_code == 201, first.text
    again = api.post(
        "/api/moderation/bans", {"name": "rex  spammer", "reason": "Ads again"}, role="moderator"
    )
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "nothing_changed"
    client = "0123456789abcdef0123"
    wider = api.post(
        "/api/moderation/bans", {"name": "Rex Spammer", "client": client, "reason": "Ads"}, role="moderator"
    )
    assert wider.status_code == 201, wider.text  # the client was not banned yet
    bans = api.get(
        "/api/moderation/bans", params={"after": wider.json()["position"]}, role="moderator"
    ).json()
    assert len(bans["bans"]) == 2


def test_a_reader_pressing_report_again_adds_nothing_until_a_moderator_looks(api: Api) -> None:
    slug = api.story()
    made = comment(api, slug, body="You are all fools.").json()["comment_id"]
    path = f"/api/articles/{slug}/comments/{made}/flag"
    first = api.post(path, {"reason": "abuse"})
    assert first.status_code == 200, first.text
    again = api.post(path, {"reason": "abuse"})
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "nothing_changed"
    reported = queue(api, first, state="flagged")["comments"]
    assert [(c["id"], c["flags"]) for c in reported] == [(made, 1)]
    # Without JavaScript the page thanks the reader again instead of showing an error.
    page = api.call(
        "POST",
        f"/articles/{slug}/comments/{made}/flag",
        data={"reason": "abuse"},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert page.status_code == 303 and f"reported={made}" in page.headers["location"]
