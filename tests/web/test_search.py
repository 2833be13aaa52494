"""Search through GET /api/search, on SQLite (FTS5) and PostgreSQL (tsvector): what readers find, in what
order, with which words marked, and what they never find (drafts, scheduled and struck updates)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.web.conftest import Api


def found(api: Api, written: httpx.Response, q: str, *, role: str | None = None, **params: Any) -> list[Any]:
    response = api.settled("/api/search", written, params={"q": q, **params}, role=role)
    assert response.status_code == 200, response.text
    results: list[Any] = response.json()["results"]
    return results


def append(api: Api, slug: str, body: str, **fields: Any) -> httpx.Response:
    response = api.post(f"/api/articles/{slug}/updates", {"body": body, **fields}, role="editor")
    assert response.status_code == 201, response.text
    return response


def test_search_finds_a_story_and_its_update_with_the_word_marked(api: Api) -> None:
    slug = api.story("harbour-crane", tags=["port"])
    written = append(api, slug, "The **crane** operators walked out at dawn over the night shifts.")
    results = found(api, written, "operators")
    assert [(r["kind"], r["slug"]) for r in results] == [("update", slug)]
    assert "<mark>operators</mark>" in results[0]["snippet"]
    assert results[0]["url"].endswith(f"/articles/{slug}#u-{written.json()['update_id']}")
    assert results[0]["story_headline"] == f"Headline {slug}"
    headline = found(api, written, "headline")
    assert any(r["kind"] == "story" and r["slug"] == slug for r in headline)


def test_search_snippets_escape_the_text_so_only_the_marks_are_markup(api: Api) -> None:
    slug = api.story()
    written = append(api, slug, "Protesters held signs reading <script>alert(1)</script> near the gate.")
    (result,) = found(api, written, "protesters")
    snippet = result["snippet"]
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_search_ranks_the_update_that_says_it_most_first(api: Api) -> None:
    slug = api.story()
    append(api, slug, "A ferry was late this morning.")
    written = append(
        api, slug, "Ferry, ferry, ferry: every ferry on the lake is cancelled, the ferry company says."
    )
    results = found(api, written, "ferry")
    assert len(results) == 2
    assert "every" in results[0]["snippet"]


def test_search_needs_every_word(api: Api) -> None:
    slug = api.story()
    append(api, slug, "Snow closed the mountain pass.")
    written = append(api, slug, "Snow fell on the coast road too.")
    results = found(api, written, "snow coast")
    assert len(results) == 1
    assert "coast" in results[0]["snippet"]


def test_readers_never_find_drafts_scheduled_or_struck_updates_but_editors_find_drafts(api: Api) -> None:
    draft = api.story("zeppelin-plans", publish=False)
    live = api.story("live-story")
    scheduled = append(api, live, "The zeppelin lands at noon.", at="2099-01-01T12:00:00Z")
    struck = append(api, live, "A zeppelin sighting that proved wrong.")
    gone = api.post(
        f"/api/articles/{live}/updates/{struck.json()['update_id']}/strike",
        {"reason": "Wrong."},
        role="editor",
    )
    assert gone.status_code == 200, gone.text
    assert found(api, gone, "zeppelin") == []
    assert found(api, scheduled, "zeppelin") == []
    staff = found(api, gone, "zeppelin", role="editor")
    assert {(r["slug"], r["status"]) for r in staff} >= {(draft, "draft")}


def test_a_withdrawn_story_drops_out_of_search_with_its_updates(api: Api) -> None:
    slug = api.story()
    append(api, slug, "The lighthouse keeper retired after forty years.")
    withdrawn = api.post(f"/api/articles/{slug}/unpublish", {"reason": "Legal review."}, role="editor")
    assert withdrawn.status_code == 200, withdrawn.text
    assert found(api, withdrawn, "lighthouse") == []


def test_search_finds_the_revised_words_not_the_old_ones(api: Api) -> None:
    slug = api.story()
    written = append(api, slug, "The bridge reopens on Tuesday.")
    revised = api.call(
        "PATCH",
        f"/api/articles/{slug}/updates/{written.json()['update_id']}",
        json={"body": "The bridge reopens on Thursday.", "note": "Corrected the day."},
        role="editor",
    )
    assert revised.status_code == 200, revised.text
    assert found(api, revised, "tuesday") == []
    assert len(found(api, revised, "thursday")) == 1


def test_search_by_tag_and_older_pages(api: Api) -> None:
    port = api.story(tags=["port"])
    rail = api.story(tags=["rail"])
    for n in range(3):
        append(api, port, f"Strike day {n}: the dockers picketed.")
    written = append(api, rail, "Strike on the trains: no dockers here, only drivers.")
    only_port = found(api, written, "strike", tag="port")
    assert {r["slug"] for r in only_port} == {port}
    every = found(api, written, "strike")
    assert len(every) == 4
    assert len(found(api, written, "strike", limit=2)) == 2
    newest = max(r["position"] for r in every)
    older = found(api, written, "strike", before=newest)
    assert sorted(r["position"] for r in older) == sorted(
        r["position"] for r in every if r["position"] < newest
    )


def test_query_syntax_is_only_words(api: Api) -> None:
    slug = api.story()
    written = append(api, slug, "The council voted on the budget.")
    for hostile in [
        '"',
        "council OR",
        "NEAR(council budget)",
        "budget*",
        "-council",
        "body:council",
        "^",
        "'",
    ]:
        response = api.settled("/api/search", written, params={"q": hostile})
        assert response.status_code == 200, (hostile, response.text)
    assert len(found(api, written, 'council" OR "x')) == 0
    assert len(found(api, written, "council: budget!")) == 1


def test_bad_search_queries_get_the_json_error(api: Api) -> None:
    for params in ({}, {"q": ""}, {"q": "x" * 201}, {"q": "a", "limit": "0"}, {"q": "a", "before": "-1"}):
        response = api.get("/api/search", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["error"]["code"]
