"""Auditor routes: an article's history, the article as it stood at a version or instant, the global log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from newsroom.errors import ValidationError
from newsroom.staff import Permission
from projections import audit
from projections.history import article_history, event_record, page_as_of
from web.auth import staff
from web.http import JSON
from web.services import blocking, services
from web.writes import path_slug

PAGE_MAX = 1000


def _bounded(request: Request, name: str, default: int, high: int) -> int:
    value = request.query_params.get(name, str(default))
    if not value.isdigit() or int(value) > high:
        raise ValidationError(name, f"must be a whole number from 0 to {high}")
    return int(value)


def _optional(request: Request, name: str) -> int | None:
    return _bounded(request, name, 0, 2**62) if name in request.query_params else None


async def history(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    slug = path_slug(request)
    after = _bounded(request, "after_version", 0, 2**62)
    limit = max(1, _bounded(request, "limit", 100, PAGE_MAX))
    events = await blocking(article_history, services(request).app, slug, after_version=after, limit=limit)
    following = events[-1]["version"] if len(events) == limit else None
    return JSON({"slug": slug, "events": events, "next_after_version": following})


async def article_as_of(request: Request, slug: str) -> Response:
    await staff(request, Permission.READ_AUDIT)
    value = request.query_params["as_of"].strip()
    app = services(request).app
    if value.isdigit():
        page = await blocking(page_as_of, app, slug, version=int(value))
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("as_of", "must be a version number or an ISO-8601 time") from None
        if moment.tzinfo is None:
            raise ValidationError("as_of", "an ISO-8601 time needs its offset, e.g. 2026-01-10T06:40:00Z")
        page = await blocking(page_as_of, app, slug, moment=moment)
    return JSON(page)


async def global_log(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    after = _bounded(request, "after", 0, 2**62)
    limit = max(1, _bounded(request, "limit", 100, PAGE_MAX))
    app = services(request).app

    def read() -> list[dict[str, object]]:
        notifications = app.recorder.select_notifications(start=after + 1, limit=limit)
        return [event_record(app.mapper.to_domain_event(n), n.id) for n in notifications]

    events = await blocking(read)
    following = events[-1]["position"] if len(events) == limit else None
    return JSON({"events": events, "next_after": following})


async def tree_head(request: Request) -> Response:
    """Public on purpose: a transparency log's signed head is meant to be copied and kept by anyone."""
    found = services(request)
    return JSON(await blocking(audit.tree_head, found.read_models, found.signer))


async def inclusion_proof(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    value = request.path_params["position"]
    if not value.isdigit():
        raise ValidationError("position", "must be a position in the log, a whole number")
    tree_size = _optional(request, "tree_size")
    return JSON(await blocking(audit.inclusion, services(request).read_models, int(value), tree_size))


async def consistency_proof(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    if "from" not in request.query_params:
        raise ValidationError("from", "is required: the size of the older tree head")
    old = _bounded(request, "from", 0, 2**62)
    new = _optional(request, "to")
    return JSON(await blocking(audit.consistency, services(request).read_models, old, new))


async def export(request: Request) -> Response:
    """The log as NDJSON, streamed a page at a time: constant memory for any size of log."""
    await staff(request, Permission.READ_AUDIT)
    after = _bounded(request, "after", 0, 2**62)
    app = services(request).app

    async def chunks() -> AsyncIterator[bytes]:
        pages = audit.export_chunks(app, after=after)
        while (chunk := await blocking(next, pages, None)) is not None:
            yield chunk

    return StreamingResponse(chunks(), media_type="application/x-ndjson")
