"""Every route of the HTTP contract: the happy path, each role refused, each validation error."""

from __future__ import annotations

import concurrent.futures
from typing import Any

import pytest

from tests.web.conftest import Api, make_api

ROLES = ("editor", "moderator", "auditor", "admin")


def error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()["error"]
    assert set(body) <= {"code", "message", "details"}
    assert body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


# -- drafting and publishing ---------------------------------------------------------------------------


def test_draft_publish_and_read(api: Api) -> None:
    drafted = api.post(
        "/api/articles",
        {
            "slug": "quay-fire",
            "headline": "Fire on the quay",
            "body": "Smoke.",
            "byline": {"name": "Ana Ruiz", "bio": "Port reporter."},
            "tags": ["port"],
        },
        role="editor",
    )
    assert drafted.status_code == 201
    assert drafted.json() == {"slug": "quay-fire", "version": 1, "position": drafted.json()["position"]}
    assert drafted.headers["etag"] == '"1"'
    error(api.settled("/api/articles/quay-fire", drafted), 404, "article_not_found")  # drafts are private
    assert api.settled("/api/articles/quay-fire", drafted, role="editor").json()["status"] == "draft"
    published = api.post("/api/articles/quay-fire/publish", role="editor")
    assert published.json()["version"] == 2
    page = api.settled("/api/articles/quay-fire", published).json()
    assert (page["headline"], page["byline"]["bio"], page["tags"]) == (
        "Fire on the quay",
        "Port reporter.",
        ["port"],
    )
    error(api.post("/api/articles/quay-fire/publish", role="editor"), 409, "already_published")


@pytest.mark.parametrize("role", [None, "moderator", "auditor"])
def test_only_editors_draft(api: Api, role: str | None) -> None:
    response = api.post("/api/articles", {"slug": "x", "headline": "H", "body": "B"}, role=role)
    if role is None:
        assert error(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"].startswith("Bearer")
    else:
        assert error(response, 403, "forbidden")["details"]["needs"] == "write_articles"


def test_admin_may_do_what_editors_do(api: Api) -> None:
    response = api.post("/api/articles", {"slug": "admin-story", "headline": "H", "body": "B"}, role="admin")
    assert response.status_code == 201


def test_bad_tokens(api: Api) -> None:
    body = {"slug": "x", "headline": "H", "body": "B"}
    for header in ("Bearer nope", "Basic abc", "Bearer ", f"Bearer {api.tokens['editor']}x"):
        error(api.post("/api/articles", body, headers={"Authorization": header}), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"headline": "H", "body": "B"}, "slug"),
        ({"slug": "Bad Slug", "headline": "H", "body": "B"}, "slug"),
        ({"slug": "ok", "headline": "", "body": "B"}, "headline"),
        ({"slug": "ok", "headline": 7, "body": "B"}, "headline"),
        ({"slug": "ok", "headline": "H", "body": "B", "tags": "notalist"}, "tags"),
        ({"slug": "ok", "headline": "H", "body": "B", "tags": ["Bad Tag"]}, "tags[0]"),
        ({"slug": "ok", "headline": "H" * 201, "body": "B"}, "headline"),
        ({"slug": "ok", "headline": "H", "body": "B", "colour": "red"}, "colour"),
        ({"slug": "ok", "headline": "H", "body": "B", "byline": 5}, "byline"),
    ],
)
def test_draft_validation_names_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    assert (
        error(api.post("/api/articles", body, role="editor"), 422, "validation_failed")["details"]["field"]
        == field
    )


def test_transport_errors(api: Api) -> None:
    editor = {"Authorization": f"Bearer {api.tokens['editor']}"}
    error(
        api.client.post(
            "/api/articles", content=b"{not json", headers={**editor, "content-type": "application/json"}
        ),
        400,
        "malformed_json",
    )
    error(
        api.client.post(
            "/api/articles", content=b"[1, 2]", headers={**editor, "content-type": "application/json"}
        ),
        400,
        "malformed_json",
    )
    error(
        api.client.post("/api/articles", content=b"slug=x", headers={**editor, "content-type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    big = b'{"slug": "x", "body": "' + b"x" * 70_000 + b'"}'
    error(
        api.client.post("/api/articles", content=big, headers={**editor, "content-type": "application/json"}),
        413,
        "payload_too_large",
    )
    error(api.get("/api/nowhere"), 404, "not_found")
    error(api.call("DELETE", "/api/articles"), 405, "method_not_allowed")


def test_slug_taken(api: Api) -> None:
    slug = api.story()
    error(
        api.post("/api/articles", {"slug": slug, "headline": "H", "body": "B"}, role="editor"),
        409,
        "slug_taken",
    )


def test_unpublish_needs_a_reason_and_hides_the_story(api: Api) -> None:
    slug = api.story()
    error(api.post(f"/api/articles/{slug}/unpublish", {}, role="editor"), 422, "validation_failed")
    done = api.post(f"/api/articles/{slug}/unpublish", {"reason": "Legal review"}, role="editor")
    assert done.status_code == 200
    error(api.settled(f"/api/articles/{slug}", done), 404)
    error(
        api.post(f"/api/articles/{slug}/unpublish", {"reason": "Again"}, role="editor"), 409, "not_published"
    )


# -- editing with If-Match -----------------------------------------------------------------------------


def test_edit_with_if_match_and_a_correction_note(api: Api) -> None:
    slug = api.story()
    edited = api.call(
        "PATCH",
        f"/api/articles/{slug}",
        role="editor",
        headers={"If-Match": '"2"'},
        json={"body": "Corrected body.", "correction_note": "The time was wrong."},
    )
    assert edited.status_code == 200
    assert edited.json()["version"] == 3
    page = api.settled(f"/api/articles/{slug}", edited).json()
    assert page["body"] == "Corrected body."
    assert page["corrections"][0]["note"] == "The time was wrong."


def test_two_editors_from_the_same_version_one_wins_the_other_gets_409(api: Api) -> None:
    slug = api.story()
    first = api.call(
        "PATCH",
        f"/api/articles/{slug}",
        role="editor",
        headers={"If-Match": "2"},
        json={"headline": "First editor's headline"},
    )
    second = api.call(
        "PATCH",
        f"/api/articles/{slug}",
        role="admin",
        headers={"If-Match": "2"},
        json={"headline": "Second editor's headline"},
    )
    assert first.status_code == 200
    details = error(second, 409, "version_conflict")["details"]
    assert details["current_version"] == 3
    assert details["changes"] == [
        {
            "version": 3,
            "at": details["changes"][0]["at"],
            "actor": "staff:editor-1",
            "type": "Article.HeadlineChanged",
        }
    ]
    assert second.headers["etag"] == '"3"'
    # The loser rebases on what changed and tries again: no edit is lost.
    rebased = api.call(
        "PATCH",
        f"/api/articles/{slug}",
        role="admin",
        headers={"If-Match": "3"},
        json={"body": "Second editor's body."},
    )
    page = api.settled(f"/api/articles/{slug}", rebased).json()
    assert (page["headline"], page["body"]) == ("First editor's headline", "Second editor's body.")


def test_concurrent_edits_from_one_version_exactly_one_wins(api: Api) -> None:
    slug = api.story()

    def edit(n: int) -> int:
        response = api.call(
            "PATCH",
            f"/api/articles/{slug}",
            role="editor",
            headers={"If-Match": "2"},
            json={"headline": f"Headline from editor {n}"},
        )
        return response.status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(edit, range(4)))
    assert statuses == [200, 409, 409, 409]


def test_edit_errors(api: Api) -> None:
    slug = api.story()
    error(
        api.call(
            "PATCH",
            f"/api/articles/{slug}",
            role="editor",
            headers={"If-Match": "abc"},
            json={"headline": "X"},
        ),
        400,
        "invalid_if_match",
    )
    error(api.call("PATCH", f"/api/articles/{slug}", role="editor", json={}), 422, "validation_failed")
    error(api.call("PATCH", f"/api/articles/{slug}", role="editor", json={"correction_note": "x"}), 422)
    error(
        api.call("PATCH", f"/api/articles/{slug}", role="editor", json={"headline": f"Headline {slug}"}),
        409,
        "nothing_changed",
    )
    error(api.call("PATCH", "/api/articles/no-such-story", role="editor", json={"headline": "X"}), 404)
    error(api.call("PATCH", f"/api/articles/{slug}", role="moderator", json={"headline": "X"}), 403)


# -- updates -------------------------------------------------------------------------------------------


def test_updates_append_revise_strike_pin(api: Api) -> None:
    slug = api.story()
    appended = api.post(
        f"/api/articles/{slug}/updates", {"body": "Ferries cancelled.", "label": "Jan. 10"}, role="editor"
    )
    assert appended.status_code == 201
    update_id = appended.json()["update_id"]
    base = f"/api/articles/{slug}/updates/{update_id}"
    assert (
        api.call(
            "PATCH", base, role="editor", json={"body": "Two ferries cancelled.", "note": "Count"}
        ).status_code
        == 200
    )
    assert api.post(f"{base}/pin", role="editor").status_code == 200
    error(api.post(f"{base}/pin", role="editor"), 409, "already_pinned")
    assert api.post(f"{base}/unpin", role="editor").status_code == 200
    error(api.post(f"{base}/unpin", role="editor"), 409, "not_pinned")
    struck = api.post(f"{base}/strike", {"reason": "Only one ferry was cancelled."}, role="editor")
    assert struck.status_code == 200
    error(api.post(f"{base}/strike", {"reason": "again"}, role="editor"), 409, "update_struck")
    update = api.settled(f"/api/articles/{slug}", struck).json()["updates"][0]
    assert (update["label"], update["body"], update["struck"], update["struck_reason"]) == (
        "Jan. 10",
        "Two ferries cancelled.",
        True,
        "Only one ferry was cancelled.",
    )


def test_update_errors(api: Api) -> None:
    draft = api.story(publish=False)
    error(
        api.post(f"/api/articles/{draft}/updates", {"body": "Too early"}, role="editor"), 409, "not_published"
    )
    slug = api.story()
    error(api.post(f"/api/articles/{slug}/updates", {"body": ""}, role="editor"), 422, "validation_failed")
    error(api.post(f"/api/articles/{slug}/updates", {"label": "x"}, role="editor"), 422, "validation_failed")
    error(api.post(f"/api/articles/{slug}/updates", {"body": "x"}, role="moderator"), 403)
    error(api.post(f"/api/articles/{slug}/updates", {"body": "x"}), 401)
    error(api.post(f"/api/articles/{slug}/updates/not-a-uuid/strike", {"reason": "x"}, role="editor"), 404)
    missing = "0" * 32
    error(api.post(f"/api/articles/{slug}/updates/{missing}/pin", role="editor"), 404, "update_not_found")
    error(api.post(f"/api/articles/{slug}/updates/{missing}/strike", {}, role="editor"), 422)


def test_an_append_retried_with_the_same_idempotency_key_writes_once(api: Api) -> None:
    slug = api.story()
    headers = {"Idempotency-Key": "append-7f3a"}
    first = api.post(
        f"/api/articles/{slug}/updates", {"body": "Bridge reopened."}, role="editor", headers=headers
    )
    again = api.post(
        f"/api/articles/{slug}/updates", {"body": "Bridge reopened."}, role="editor", headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    page = api.settled(f"/api/articles/{slug}", again).json()
    assert [u["body"] for u in page["updates"]] == ["Bridge reopened."]
    other = api.post(
        f"/api/articles/{slug}/updates", {"body": "Something else."}, role="editor", headers=headers
    )
    error(other, 422, "idempotency_key_reused")


def test_an_append_with_a_stale_if_match_is_refused(api: Api) -> None:
    slug = api.story()
    error(
        api.post(f"/api/articles/{slug}/updates", {"body": "x"}, role="editor", headers={"If-Match": "1"}),
        409,
        "version_conflict",
    )
    assert (
        api.post(
            f"/api/articles/{slug}/updates", {"body": "x"}, role="editor", headers={"If-Match": "2"}
        ).status_code
        == 201
    )


# -- tags, embeds, related -----------------------------------------------------------------------------


def test_tags_embeds_related(api: Api) -> None:
    slug = api.story(tags=["port"])
    assert api.post(f"/api/articles/{slug}/tags", {"tag": "weather"}, role="editor").status_code == 200
    error(api.post(f"/api/articles/{slug}/tags", {"tag": "weather"}, role="editor"), 409, "already_tagged")
    assert api.call("DELETE", f"/api/articles/{slug}/tags/port", role="editor").status_code == 200
    error(api.call("DELETE", f"/api/articles/{slug}/tags/port", role="editor"), 409, "not_tagged")
    embed = api.post(
        f"/api/articles/{slug}/embeds",
        {"kind": "map", "url": "https://maps.example.org/q", "caption": "The quay"},
        role="editor",
    )
    assert embed.status_code == 201 and embed.json()["embed_id"]
    error(
        api.post(
            f"/api/articles/{slug}/embeds", {"kind": "map", "url": "javascript:alert(1)"}, role="editor"
        ),
        422,
    )
    related = api.post(
        f"/api/articles/{slug}/related",
        {"url": "https://example.org/a", "title": "Background"},
        role="editor",
    )
    page = api.settled(f"/api/articles/{slug}", related).json()
    assert page["tags"] == ["weather"]
    assert page["embeds"][0]["caption"] == "The quay"
    assert page["related"] == [{"url": "https://example.org/a", "title": "Background"}]


# -- comments and moderation ---------------------------------------------------------------------------


def test_comments_replies_and_moderation(api: Api) -> None:
    slug = api.story()
    first = api.post(f"/api/articles/{slug}/comments", {"author": "Lea", "body": "<script>alert(1)</script>"})
    assert first.status_code == 201
    comment_id = first.json()["comment_id"]
    reply = api.post(
        f"/api/articles/{slug}/comments", {"author": "Tom", "body": "Reply", "reply_to": comment_id}
    )
    assert reply.status_code == 201
    for role in ("editor", "auditor", None):
        response = api.post(f"/api/articles/{slug}/comments/{comment_id}/hide", {"reason": "Spam"}, role=role)
        error(response, 401 if role is None else 403)
    hidden = api.post(
        f"/api/articles/{slug}/comments/{comment_id}/hide", {"reason": "Spam"}, role="moderator"
    )
    assert hidden.status_code == 200
    error(
        api.post(f"/api/articles/{slug}/comments/{comment_id}/hide", {"reason": "x"}, role="moderator"),
        409,
        "comment_hidden",
    )
    page = api.settled(f"/api/articles/{slug}", hidden).json()
    assert [c["author"] for c in page["comments"]] == ["Tom"]  # hidden comments are left out
    queue = api.settled(
        "/api/moderation", hidden, params={"slug": slug, "hidden": "true"}, role="moderator"
    ).json()
    assert [(c["author"], c["body"], c["hidden_by"], c["hidden_reason"]) for c in queue["comments"]] == [
        ("Lea", "<script>alert(1)</script>", "staff:moderator-1", "Spam")
    ]  # stored as text, as sent
    error(api.get("/api/moderation", role="editor"), 403)
    restored = api.post(
        f"/api/articles/{slug}/comments/{comment_id}/restore", {"reason": "Appeal"}, role="moderator"
    )
    assert restored.status_code == 200
    assert len(api.settled(f"/api/articles/{slug}", restored).json()["comments"]) == 2


def test_comment_errors(api: Api) -> None:
    slug = api.story()
    error(api.post(f"/api/articles/{slug}/comments", {"author": "", "body": "x"}), 422, "validation_failed")
    error(api.post(f"/api/articles/{slug}/comments", {"author": "A", "body": "x" * 2001}), 422)
    error(api.post(f"/api/articles/{slug}/comments", {"author": "A", "body": "x", "reply_to": "zz"}), 422)
    error(
        api.post(f"/api/articles/{slug}/comments", {"author": "A", "body": "x", "reply_to": "0" * 32}),
        404,
        "comment_not_found",
    )
    error(api.post("/api/articles/no-such-story/comments", {"author": "A", "body": "x"}), 404)
    error(api.post(f"/api/articles/{slug}/comments/{'0' * 32}/hide", {"reason": "x"}, role="moderator"), 404)
    assert api.post(f"/api/articles/{slug}/comments/close", role="editor").status_code == 200
    error(api.post(f"/api/articles/{slug}/comments", {"author": "A", "body": "x"}), 409, "comments_closed")
    assert api.post(f"/api/articles/{slug}/comments/reopen", role="editor").status_code == 200
    assert api.post(f"/api/articles/{slug}/comments", {"author": "A", "body": "x"}).status_code == 201


def test_comments_are_rate_limited_per_client(api_url: str) -> None:
    for limited in make_api(api_url, comment_limit=2, comment_window=60.0):
        slug = limited.story()
        for _ in range(2):
            assert (
                limited.post(f"/api/articles/{slug}/comments", {"author": "A", "body": "x"}).status_code
                == 201
            )
        refused = limited.post(f"/api/articles/{slug}/comments", {"author": "A", "body": "x"})
        error(refused, 429, "rate_limited")
        assert int(refused.headers["retry-after"]) >= 1


# -- reading -------------------------------------------------------------------------------------------


def test_front_page_order_pagination_and_tags(api: Api) -> None:
    slugs = [api.story(tags=["city"] if n % 2 else ["sport"]) for n in range(5)]
    api.story(publish=False)
    bumped = api.post(f"/api/articles/{slugs[0]}/updates", {"body": "Moves up"}, role="editor")
    first = api.settled("/api/articles", bumped, params={"limit": 2}).json()
    assert [a["slug"] for a in first["articles"]] == [slugs[0], slugs[4]]
    rest = api.get("/api/articles", params={"limit": 10, "before": first["next_before"]}).json()
    assert [a["slug"] for a in rest["articles"]] == [slugs[3], slugs[2], slugs[1]]
    assert rest["next_before"] is None
    city = api.get("/api/articles", params={"tag": "city"}).json()
    assert [a["slug"] for a in city["articles"]] == [slugs[3], slugs[1]]
    error(api.get("/api/articles", params={"limit": 0}), 422)
    error(api.get("/api/articles", params={"limit": "many"}), 422)


def test_unknown_article_is_404(api: Api) -> None:
    error(api.get("/api/articles/no-such-story"), 404, "article_not_found")
    error(api.get("/api/articles/Not_A_Slug"), 404)


# -- auditors ------------------------------------------------------------------------------------------


def test_history_as_of_and_global_log_are_for_auditors(api: Api) -> None:
    slug = api.story()
    api.call("PATCH", f"/api/articles/{slug}", role="editor", json={"headline": "Second headline"})
    for role in (None, "editor", "moderator"):
        error(api.get(f"/api/articles/{slug}/history", role=role), 401 if role is None else 403)
        error(
            api.get(f"/api/articles/{slug}", params={"as_of": "1"}, role=role), 401 if role is None else 403
        )
        error(api.get("/api/audit/events", role=role), 401 if role is None else 403)
    history = api.get(f"/api/articles/{slug}/history", role="auditor").json()
    assert [(e["version"], e["type"], e["actor"]) for e in history["events"]] == [
        (1, "Article.Drafted", "staff:editor-1"),
        (2, "Article.Published", "staff:editor-1"),
        (3, "Article.HeadlineChanged", "staff:editor-1"),
    ]
    assert all(e["position"] for e in history["events"])
    page = api.get(f"/api/articles/{slug}", params={"as_of": "2"}, role="auditor").json()
    assert (page["headline"], page["as_of"]["version"]) == (f"Headline {slug}", 2)
    at = history["events"][1]["at"]
    assert (
        api.get(f"/api/articles/{slug}", params={"as_of": at}, role="auditor").json()["as_of"]["version"] == 2
    )
    error(api.get(f"/api/articles/{slug}", params={"as_of": "yesterday"}, role="auditor"), 422)
    error(api.get(f"/api/articles/{slug}", params={"as_of": "9"}, role="auditor"), 404, "version_not_found")
    error(api.get(f"/api/articles/{slug}", params={"as_of": "1999-01-01T00:00:00Z"}, role="auditor"), 404)
    log = api.get("/api/audit/events", params={"after": 0, "limit": 3}, role="auditor").json()
    assert [e["position"] for e in log["events"]] == sorted(e["position"] for e in log["events"])
    assert log["next_after"] == log["events"][-1]["position"]
    assert all(e["data"].get("token_hash") in (None, "<redacted>") for e in log["events"])
    error(api.get("/api/audit/events", params={"limit": "x"}, role="auditor"), 422)


# -- ops -----------------------------------------------------------------------------------------------


def test_health_readiness_metrics_openapi(api: Api) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert "newsroom_projection_lag_events" in api.get("/metrics").text
    spec = api.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/articles/{slug}/updates" in spec["paths"]
    from web.app import API_ROUTES

    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    served = {
        (route.path, method) for route in API_ROUTES for method in route.methods or () if method != "HEAD"
    }
    assert served - documented == {
        ("/openapi.json", "GET"),
        ("/metrics", "GET"),
    }  # every API route is described
