"""Auditor routes: an article's history, the article as it stood at a version or instant, the global log,
the export, and the audit tree's head and proofs."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from newsroom import rules
from newsroom.staff import Permission
from projections import audit
from projections.diff import article_diff
from projections.history import article_history, as_of_point, event_record, page_as_of, texts_of
from web import queries
from web.auth import staff
from web.concurrency import blocking
from web.http import JSON
from web.params import published_page, read_your_writes
from web.queries import read_query
from web.services import services
from web.writes import path_slug


async def history(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    slug = path_slug(request)
    query: queries.History = read_query(request, queries.History)
    events = await blocking(
        article_history, services(request).app, slug, after_version=query.after_version, limit=query.limit
    )
    following = events[-1]["version"] if len(events) == query.limit else None
    return JSON({"slug": slug, "events": events, "next_after_version": following})


async def article_as_of(request: Request, slug: str, as_of: str) -> Response:
    await staff(request, Permission.READ_AUDIT)
    version, moment = as_of_point(as_of, "as_of")
    found = services(request)
    return JSON(
        await blocking(
            page_as_of, found.app, slug, version=version, moment=moment, read_models=found.read_models
        )
    )


async def global_log(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    query: queries.Log = read_query(request, queries.Log)
    app = services(request).app

    def read() -> list[dict[str, object]]:
        notifications = app.recorder.select_notifications(start=query.after + 1, limit=query.limit)
        events = [(app.mapper.to_domain_event(n), n.id) for n in notifications]
        texts = texts_of(app, (event for event, _ in events))
        return [event_record(event, position, texts) for event, position in events]

    events = await blocking(read)
    following = events[-1]["position"] if len(events) == query.limit else None
    return JSON({"events": events, "next_after": following})


async def tree_head(request: Request) -> Response:
    """Public on purpose: a transparency log's signed head is meant to be copied and kept by anyone."""
    query: queries.TreeHeadRead = read_query(request, queries.TreeHeadRead)
    await read_your_writes(request, "audit-tree", query.after)
    found = services(request)
    return JSON(await blocking(audit.tree_head, found.read_models, found.signer))


async def inclusion_proof(request: Request) -> Response:
    """Public, as the tree head is: a proof holds only hashes, and lets anyone check a record they hold."""
    position = rules.whole_number("position", request.path_params["position"])
    query: queries.Proof = read_query(request, queries.Proof)
    return JSON(await blocking(audit.inclusion, services(request).read_models, position, query.tree_size))


async def consistency_proof(request: Request) -> Response:
    """Public: anyone who kept a tree head can check that the log still extends it."""
    query: queries.Consistency = read_query(request, queries.Consistency)
    return JSON(await blocking(audit.consistency, services(request).read_models, query.from_, query.to))


async def export(request: Request) -> Response:
    """The log as NDJSON, streamed a page at a time: constant memory for any size of log."""
    await staff(request, Permission.READ_AUDIT)
    query: queries.Export = read_query(request, queries.Export)
    app = services(request).app

    async def chunks() -> AsyncIterator[bytes]:
        pages = audit.export_chunks(app, after=query.after, slug=query.slug)
        while (chunk := await blocking(next, pages, None)) is not None:
            yield chunk

    return StreamingResponse(chunks(), media_type="application/x-ndjson")


async def diff(request: Request) -> Response:
    await staff(request, Permission.READ_AUDIT)
    slug = path_slug(request)
    query: queries.Diff = read_query(request, queries.Diff)
    found = services(request)
    return JSON(
        await blocking(
            article_diff,
            found.app,
            slug,
            from_version=query.from_,
            to_version=query.to,
            read_models=found.read_models,
        )
    )


async def embargo_proof(request: Request) -> Response:
    """Public once a story is released: the content its embargo committed to, and the record that holds
    the commitment (docs/embargo.md)."""
    _, page = await published_page(request)
    return JSON(await blocking(audit.embargo_proof, services(request).app, page))
