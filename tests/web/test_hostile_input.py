"""Input an attacker sends gets a clear refusal, never a 500 (each test named after what it once broke)."""

from __future__ import annotations

import time
import xml.dom.minidom
from typing import Any

import pytest

from tests.web.conftest import Api, make_api
from tests.web.test_roles import ROUTES
from web.auth import REFUSAL_SECONDS

# Numbers int() or str.isdigit() took that are no whole number the API can use, and ones past what the
# database holds (2**63) or int() parses quickly (4,300 digits).
BAD_NUMBERS = ["²", "٣", "--5", "-1", "1_0", " 1 ", "1e3", "0x10", "9" * 20, str(2**63), "9" * 4301, "+4"]


@pytest.fixture
def story(api: Api) -> str:
    slug = api.story()
    appended = api.post(f"/api/articles/{slug}/updates", {"body": "First."}, role="editor")
    assert api.settled(f"/api/articles/{slug}", appended).status_code == 200
    return slug


def _queries(slug: str) -> list[tuple[str, str, str | None]]:
    """(path with {} for the value, the field the error should name, the role that may ask)."""
    return [
        ("/api/articles?limit={}", "limit", None),
        ("/api/articles?before={}", "before", None),
        (f"/api/articles/{slug}?after={{}}", "after", None),
        (f"/api/articles/{slug}?as_of={{}}", "as_of", "auditor"),
        (f"/api/articles/{slug}/history?after_version={{}}", "after_version", "auditor"),
        (f"/api/articles/{slug}/history?limit={{}}", "limit", "auditor"),
        (f"/api/articles/{slug}/diff?from={{}}&to=2", "from", "auditor"),
        (f"/api/articles/{slug}/diff?from=1&to={{}}", "to", "auditor"),
        ("/api/audit/events?after={}", "after", "auditor"),
        ("/api/audit/events?limit={}", "limit", "auditor"),
        ("/api/audit/export?after={}", "after", "auditor"),
        ("/api/audit/proof/{}", "position", "auditor"),
        ("/api/audit/proof/1?tree_size={}", "tree_size", "auditor"),
        ("/api/audit/consistency?from={}", "from", "auditor"),
        ("/api/audit/consistency?from=1&to={}", "to", "auditor"),
        ("/api/moderation?limit={}", "limit", "moderator"),
    ]


def test_integers_in_other_scripts_signs_or_past_the_database_are_refused_not_500(
    api: Api, story: str
) -> None:
    for template, field, role in _queries(story):
        for value in BAD_NUMBERS:
            if field == "as_of" and not value.strip().isdigit():
                continue  # not a number at all: read as a time, refused as one (below)
            response = api.get(template.format(value), role=role)
            assert response.status_code == 422, (template, value, response.status_code, response.text)
            error = response.json()["error"]
            assert error["details"]["field"] == field, (template, value)


def test_a_malformed_time_in_as_of_is_refused(api: Api, story: str) -> None:
    for value in ("2026-13-45", "yesterday", "2026-01-10T06:40:00", "9" * 4301 + "-01-01"):
        response = api.get(f"/api/articles/{story}?as_of={value}", role="auditor")
        assert response.status_code == 422, (value, response.text)


def test_if_match_and_newsroom_after_take_only_whole_numbers(api: Api, story: str) -> None:
    for value in BAD_NUMBERS:
        if value.strip() != value:
            continue  # HTTP itself drops the white space around a header's value
        edited = api.call(
            "PATCH",
            f"/api/articles/{story}",
            role="editor",
            json={"headline": "H2"},
            headers={"If-Match": value.encode()},
        )
        assert edited.status_code == 400, (value, edited.text)
        assert edited.json()["error"]["code"] == "invalid_if_match"
        read = api.get(f"/api/articles/{story}", headers={"Newsroom-After": value.encode()})
        assert read.status_code == 400, (value, read.text)
        assert read.json()["error"]["code"] == "invalid_header"


def test_a_last_event_id_that_is_no_position_asks_the_reader_to_start_again(api: Api, story: str) -> None:
    for value in ("²", "--5", "9" * 4301, str(2**63), "1_0"):
        for path in (f"/api/articles/{story}/live", "/api/live"):
            response = api.get(path, headers={"Last-Event-ID": value.encode()})
            assert response.status_code == 200, (value, response.text)
            assert "event: resync" in response.text  # the stream says so and ends


def test_a_token_made_of_an_article_id_is_refused_with_401_on_every_staff_route(api: Api, story: str) -> None:
    published = api.get(f"/api/articles/{story}").json()
    forged = f"nr_{published['id']}_x"  # the article's id is public (every article-published message)
    ids = {"slug": story, "update_id": published["updates"][0]["id"], "comment_id": "0" * 32}
    for method, path, body, _ in ROUTES:
        response = api.call(
            method, path.format(**ids), json=body, headers={"Authorization": f"Bearer {forged}"}
        )
        assert response.status_code == 401, (method, path, response.status_code, response.text)


def test_every_refused_token_takes_the_same_floor_whether_or_not_its_staff_id_exists(api: Api) -> None:
    known = api.tokens["editor"]
    member_hex = known.split("_")[1]
    unknown_member = f"nr_{'f' * 32}_{'x' * 43}"
    wrong_secret = f"nr_{member_hex}_{'x' * 43}"
    api.get("/api/moderation", headers={"Authorization": f"Bearer {known}"})  # the member is cached now
    for token in (unknown_member, wrong_secret, "not-a-token"):
        started = time.perf_counter()
        response = api.get("/api/moderation", headers={"Authorization": f"Bearer {token}"})
        took = time.perf_counter() - started
        assert response.status_code == 401
        assert took >= REFUSAL_SECONDS, (token, took)


HOSTILE_TEXT = {
    "U+FFFF": "Flood\uffffwarning",
    "U+FFFE": "Flood\ufffewarning",
    "U+FDD0": "Flood\ufdd0warning",
    "U+10FFFF": "Flood\U0010ffffwarning",
    "C1 NEL": "Flood\x85warning",
    "C1 CSI": "Flood\x9bwarning",
}


@pytest.mark.parametrize("name", HOSTILE_TEXT)
def test_text_the_feeds_cannot_carry_is_refused_with_422(api: Api, story: str, name: str) -> None:
    text = HOSTILE_TEXT[name]
    for path, body in (
        ("/api/articles", {"slug": "hostile", "headline": text, "body": "B"}),
        (f"/api/articles/{story}/updates", {"body": text}),
        (f"/api/articles/{story}", {"headline": text}),
    ):
        method = "PATCH" if path == f"/api/articles/{story}" else "POST"
        response = api.call(method, path, role="editor", json=body)
        assert response.status_code == 422, (name, path, response.text)
    comment = api.post(f"/api/articles/{story}/comments", {"author": text, "body": "Hi"})
    assert comment.status_code == 422
    xml.dom.minidom.parseString(api.get("/feed.atom").content)  # still well-formed for every subscriber
    xml.dom.minidom.parseString(api.get(f"/articles/{story}/feed.atom").content)


def test_line_and_paragraph_separators_are_refused_in_one_line_fields(api: Api, story: str) -> None:
    for separator in ("\u2028", "\u2029"):
        response = api.call(
            "PATCH", f"/api/articles/{story}", role="editor", json={"headline": f"A{separator}B"}
        )
        assert response.status_code == 422
        assert response.json()["error"]["details"]["field"] == "headline"
        label = api.post(
            f"/api/articles/{story}/updates", {"body": "B", "label": f"9{separator}am"}, role="editor"
        )
        assert label.status_code == 422


@pytest.fixture
def public_api(api_url: str) -> Any:
    yield from make_api(api_url, public_url="https://news.example.org/")


def test_feed_ids_links_and_json_ld_come_from_the_public_url_never_the_host_header(public_api: Api) -> None:
    slug = public_api.story()
    published = public_api.get(f"/api/articles/{slug}/history", role="auditor").json()["events"][-1]
    assert public_api.get(f"/api/articles/{slug}", params={"after": published["position"]}).status_code == 200
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    for path in ("/feed.json", "/feed.atom", f"/articles/{slug}/feed.json", f"/articles/{slug}/feed.atom"):
        response = public_api.get(path, headers=forged)
        assert response.status_code == 200
        assert "evil.example" not in response.text, path
        assert "https://news.example.org/" in response.text, path
    page = public_api.get(f"/articles/{slug}", headers=forged)
    assert "evil.example" not in page.text
    assert f'"url":"https://news.example.org/articles/{slug}"' in page.text


def test_options_lists_every_method_of_a_path(api: Api, story: str) -> None:
    for path, methods in (
        ("/api/articles", {"GET", "HEAD", "POST", "OPTIONS"}),
        (f"/api/articles/{story}", {"GET", "HEAD", "PATCH", "OPTIONS"}),
        (f"/api/articles/{story}/tags/port", {"DELETE", "OPTIONS"}),
        ("/api/live", {"GET", "HEAD", "OPTIONS"}),
    ):
        options = api.call("OPTIONS", path)
        assert options.status_code == 204, (path, options.text)
        assert set(options.headers["allow"].split(", ")) == methods
        refused = api.call("PUT", path)
        assert refused.status_code == 405
        assert set(refused.headers["allow"].split(", ")) == methods
        assert refused.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/api/articles/{slug}/comments", None),
        ("/api/articles", "editor"),
        ("/api/articles/{slug}/updates", "editor"),
        ("/api/markdown", "editor"),
        ("/api/moderation/bulk", "moderator"),
        ("/api/moderation/bans", "moderator"),
        ("/api/commenters/erase", "admin"),
    ],
)
def test_a_body_of_a_thousand_nested_arrays_is_malformed_not_a_500(
    api: Api, story: str, path: str, role: str | None
) -> None:
    nested = b"[" * 1500 + b"]" * 1500
    response = api.call(
        "POST",
        path.format(slug=story),
        role=role,
        content=nested,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed_json"


def test_a_change_without_fields_checks_a_body_sent_anyway(api: Api, story: str) -> None:
    """Pinning takes no fields: it once took any body at all, of any type, and acted."""
    update = api.post(f"/api/articles/{story}/updates", {"body": "Pin me."}, role="editor").json()[
        "update_id"
    ]
    pin = f"/api/articles/{story}/updates/{update}/pin"
    odd = api.call("POST", pin, role="editor", json={"x": 1})
    assert odd.status_code == 422 and odd.json()["error"]["details"]["field"] == "x", odd.text
    text = api.call(
        "POST", pin, role="editor", content=b"{{{not json", headers={"Content-Type": "text/plain"}
    )
    assert text.status_code == 415, text.text
    broken = api.call(
        "POST", pin, role="editor", content=b"{{{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400, broken.text
    assert api.call("POST", pin, role="editor", json={}).status_code == 200
    assert api.call("POST", f"/api/articles/{story}/updates/{update}/unpin", role="editor").status_code == 200
