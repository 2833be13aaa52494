"""Every staff route refuses every role that lacks its permission (403) and anonymous callers (401)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Api

UPDATE = "/api/articles/{slug}/updates/{update_id}"
COMMENT = "/api/articles/{slug}/comments/{comment_id}"
EDITORS = {"editor", "admin"}
MODERATORS = {"moderator", "admin"}
AUDITORS = {"auditor", "admin"}

# (method, path, body, roles allowed)
ROUTES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("POST", "/api/articles", {"slug": "new-one", "headline": "H", "body": "B"}, EDITORS),
    ("POST", "/api/articles/{slug}/publish", None, EDITORS),
    ("POST", "/api/articles/{slug}/unpublish", {"reason": "Legal"}, EDITORS),
    ("PATCH", "/api/articles/{slug}", {"headline": "Changed"}, EDITORS),
    ("POST", "/api/articles/{slug}/updates", {"body": "News"}, EDITORS),
    ("PATCH", UPDATE, {"body": "Revised"}, EDITORS),
    ("POST", UPDATE + "/strike", {"reason": "Wrong"}, EDITORS),
    ("POST", UPDATE + "/pin", None, EDITORS),
    ("POST", UPDATE + "/unpin", None, EDITORS),
    ("POST", "/api/articles/{slug}/tags", {"tag": "extra"}, EDITORS),
    ("DELETE", "/api/articles/{slug}/tags/port", None, EDITORS),
    ("POST", "/api/articles/{slug}/embeds", {"kind": "map", "url": "https://maps.example.org/"}, EDITORS),
    ("POST", "/api/articles/{slug}/related", {"url": "https://example.org/r", "title": "R"}, EDITORS),
    ("POST", "/api/articles/{slug}/comments/close", None, EDITORS),
    ("POST", "/api/articles/{slug}/comments/reopen", None, EDITORS),
    ("POST", COMMENT + "/hide", {"reason": "Spam"}, MODERATORS),
    ("POST", COMMENT + "/restore", {"reason": "Fine"}, MODERATORS),
    ("GET", "/api/moderation", None, MODERATORS),
    ("GET", "/api/articles/{slug}/history", None, AUDITORS),
    ("GET", "/api/articles/{slug}?as_of=1", None, AUDITORS),
    ("GET", "/api/audit/events", None, AUDITORS),
    ("GET", "/api/articles/{slug}/diff?from=1&to=2", None, AUDITORS),
    ("GET", "/api/audit/export", None, AUDITORS),
]


@pytest.fixture
def target(api: Api) -> dict[str, str]:
    slug = api.story(tags=["port"])
    update = api.post(f"/api/articles/{slug}/updates", {"body": "First"}, role="editor").json()["update_id"]
    comment = api.post(f"/api/articles/{slug}/comments", {"author": "Lea", "body": "Hi"}).json()["comment_id"]
    return {"slug": slug, "update_id": update, "comment_id": comment}


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), ROUTES, ids=[f"{method} {path}" for method, path, _, _ in ROUTES]
)
def test_each_route_refuses_the_wrong_roles(
    api: Api, target: dict[str, str], method: str, path: str, body: dict[str, Any] | None, allowed: set[str]
) -> None:
    url = path.format(**target)
    anonymous = api.call(method, url, json=body)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    for role in {"editor", "moderator", "auditor", "admin"} - allowed:
        refused = api.call(method, url, json=body, role=role)
        assert refused.status_code == 403, (role, refused.text)
        assert refused.json()["error"]["code"] == "forbidden"
    # And the first allowed role gets past authorization (whatever the state says next).
    permitted = api.call(method, url, json=body, role=sorted(allowed)[0])
    assert permitted.status_code not in (401, 403), permitted.text


def test_proofs_hold_only_hashes_and_are_public(api: Api, target: dict[str, str]) -> None:
    """Anyone may check a record or a saved tree head against the log (the reader's "verify")."""
    head = api.call("GET", "/api/audit/tree-head?after=1")  # the tree holds position 1 once this answers
    assert head.status_code == 200 and head.json()["tree_size"] >= 1
    assert api.call("GET", "/api/audit/proof/1").status_code == 200
    assert api.call("GET", "/api/audit/consistency?from=1").status_code == 200
