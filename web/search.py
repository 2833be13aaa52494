"""Search: ``GET /api/search`` for programs and the ``/search`` page for readers, over the search read model
(``projections.search``). Readers find published stories and released updates; staff with a token find
drafts and scheduled ones too (an embargoed story only when the embargo names them)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from newsroom import Principal
from newsroom.errors import ValidationError
from newsroom.staff import Permission
from projections.documents import Doc
from web import queries
from web.auth import optional_staff
from web.concurrency import blocking
from web.desk import may_see
from web.http import JSON
from web.pages.templates import page
from web.params import read_your_writes
from web.queries import read_query
from web.services import services


def _result(doc: Doc, base: str) -> dict[str, Any]:
    anchor = f"#u-{doc['id']}" if doc["kind"] == "update" else ""
    return {
        "kind": doc["kind"],
        "slug": doc["slug"],
        "story_headline": doc["story_headline"],
        "title": doc["headline"] or doc["story_headline"],
        "snippet": doc["snippet"],
        "at": doc["at"],
        "position": doc["position"],
        "status": doc["status"],
        "url": f"{base}/articles/{doc['slug']}{anchor}",
    }


async def _find(request: Request, query: queries.Search, viewer: Principal | None) -> list[dict[str, Any]]:
    await read_your_writes(request, "search", query.after)
    svc = services(request)
    staff = viewer is not None and viewer.may(Permission.WRITE_ARTICLES)
    docs = await blocking(
        svc.read_models.search,
        query.q,
        limit=query.limit,
        tag=query.tag,
        before=query.before,
        public_only=not staff,
    )
    if viewer is not None:
        docs = [doc for doc in docs if may_see(viewer, doc.get("embargo_staff") or [])]
    return [_result(doc, svc.settings.site_url) for doc in docs]


async def search_api(request: Request) -> Response:
    query: queries.Search = read_query(request, queries.Search)
    viewer = await optional_staff(request)
    results = await _find(request, query, viewer)
    cache = "private, no-store" if viewer is not None else "no-cache"
    return JSON({"results": results}, headers={"Cache-Control": cache})


async def search_page(request: Request) -> Response:
    """The reader's search page; without ``q``, the form alone."""
    text = (request.query_params.get("q") or "").strip()
    results: list[dict[str, Any]] = []
    problem = None
    if text:
        try:
            query: queries.Search = read_query(request, queries.Search)
            results = await _find(request, query, None)
        except ValidationError as error:
            problem = error.message
    return page(
        request,
        "search.html",
        q=text,
        tag=request.query_params.get("tag") or "",
        results=results,
        problem=problem,
        scripts=["common.js"],
    )
