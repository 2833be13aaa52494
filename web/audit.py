"""Auditor routes: an article's history, the article as it stood at a version or instant, the global log."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from newsroom import rules
from newsroom.staff import Permission
from projections import audit
from projections.diff import article_diff
from projections.history import article_history, as_of_point, event_record, page_as_of
from web.auth import staff
from web.concurrency import blocking
from web.http import JSON
from web.params import int_param, read_your_writes, required_int
from web.services import services
from web.writes import path_slug

PAGE_MAX = 1000


async def history(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    slug = path_slug(request)
    after = int_param(request, "after_version", 0) or 0
    limit = int_param(request, "limit", 100, low=1, high=PAGE_MAX) or 100
    events = await blocking(article_history, services(request).app, slug, after_version=after, limit=limit)
    following = events[-1]["version"] if len(events) == limit else None
    return JSON({"slug": slug, "events": events, "next_after_version": following})


async def article_as_of(request: Request, slug: str) -> Response:
    await staff(request, Permission.READ_AUDIT)
    version, moment = as_of_point(request.query_params["as_of"], "as_of")
    found = services(request)
    return JSON(
        await blocking(
            page_as_of, found.app, slug, version=version, moment=moment, read_models=found.read_models
        )
    )


async def global_log(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    after = int_param(request, "after", 0) or 0
    limit = int_param(request, "limit", 100, low=1, high=PAGE_MAX) or 100
    app = services(request).app

    def read() -> list[dict[str, object]]:
        notifications = app.recorder.select_notifications(start=after + 1, limit=limit)
        return [event_record(app.mapper.to_domain_event(n), n.id) for n in notifications]

    events = await blocking(read)
    following = events[-1]["position"] if len(events) == limit else None
    return JSON({"events": events, "next_after": following})


async def tree_head(request: Request) -> Response:
    """Public on purpose: a transparency log's signed head is meant to be copied and kept by anyone."""
    await read_your_writes(request, "audit-tree")
    found = services(request)
    return JSON(await blocking(audit.tree_head, found.read_models, found.signer))


async def inclusion_proof(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    position = rules.whole_number("position", request.path_params["position"])
    tree_size = int_param(request, "tree_size", None)
    return JSON(await blocking(audit.inclusion, services(request).read_models, position, tree_size))


async def consistency_proof(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    old = required_int(request, "from", "the size of the older tree head")
    new = int_param(request, "to", None)
    return JSON(await blocking(audit.consistency, services(request).read_models, old, new))


async def export(request: Request) -> Response:
    """The log as NDJSON, streamed a page at a time: constant memory for any size of log."""
    await staff(request, Permission.READ_AUDIT)
    after = int_param(request, "after", 0) or 0
    app = services(request).app

    async def chunks() -> AsyncIterator[bytes]:
        pages = audit.export_chunks(app, after=after)
        while (chunk := await blocking(next, pages, None)) is not None:
            yield chunk

    return StreamingResponse(chunks(), media_type="application/x-ndjson")


async def diff(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    slug = path_slug(request)
    old = required_int(request, "from", "a version of the article")
    new = required_int(request, "to", "a version of the article")
    found = services(request)
    return JSON(
        await blocking(
            article_diff, found.app, slug, from_version=old, to_version=new, read_models=found.read_models
        )
    )
