"""Odd input that used to reach a store or slip through, refused the same way on SQLite and PostgreSQL: NUL
and other control characters in query texts, empty and doubled parameters, protocol-relative links; and the
record of an erased update, which still verifies."""

from __future__ import annotations

from tests.web.conftest import Api

NUL_READS = [
    "/api/articles?tag=%00",
    "/api/search?q=a%00b",
    "/api/search?q=flood&tag=%00",
    "/api/moderation?slug=%00",
    "/api/desk/stories?q=%00",
    "/api/audit/export?slug=%00",
    "/api/audit/stories?q=a%00",
    "/api/moderation?client=%00",
]


def test_a_nul_byte_in_a_query_text_is_refused_naming_the_parameter_on_every_store(api: Api) -> None:
    for path in NUL_READS:
        response = api.get(path, role="admin")
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        assert "control characters" in error["message"]
        assert error["details"]["field"] == path.rsplit("&", 1)[-1].split("?")[-1].split("=")[0]


def test_a_nul_byte_in_a_page_query_is_said_on_the_page_not_a_500(api: Api) -> None:
    search = api.get("/search?q=a%00", headers={"Accept": "text/html"})
    assert search.status_code == 200
    assert "control characters" in search.text
    front = api.get("/?tag=%00", headers={"Accept": "text/html"})
    assert front.status_code == 404
    assert api.get("/tags/a%00b", headers={"Accept": "text/html"}).status_code == 404
    assert api.get("/api/articles/fl%00od").status_code in (404, 422)
    assert api.get("/authors/a%00").status_code == 404


EMPTY_OR_DOUBLED = [
    "/api/audit/events?after=",
    "/api/articles?limit=",
    "/api/articles?before=5&before=",
    "/api/articles?before=5&before=6",
    "/api/articles/{slug}?as_of=",
    "/api/articles/{slug}?after=",
    "/api/articles?tag=a&tag=b",
    "/articles/{slug}?before=",
    "/articles/{slug}?before=3&before=4",
]


def test_an_empty_or_doubled_parameter_is_refused(api: Api) -> None:
    slug = api.story()
    for path in EMPTY_OR_DOUBLED:
        response = api.get(path.format(slug=slug), role="auditor")
        assert response.status_code == 422, (path, response.text)
        name = path.split("?")[1].split("=")[0]
        assert response.json()["error"]["details"]["field"] == name
        assert ("more than once" in response.text) == ("&" in path)


def test_a_protocol_relative_link_is_refused(api: Api) -> None:
    slug = api.story()
    for link in ("[a](//evil.example/x)", "![map](//evil.example/m.png)", "[a](\\/\\/evil)"):
        response = api.post(f"/api/articles/{slug}/updates", {"body": f"See {link}."}, role="editor")
        assert response.status_code == 422, (link, response.text)
        assert response.json()["error"]["details"]["field"] == "body"
    fine = api.post(f"/api/articles/{slug}/updates", {"body": "See [the map](/articles/x)."}, role="editor")
    assert fine.status_code == 201
