"""Live feeds over Server-Sent Events: one article's changes, or the whole site's.

Each message: ``id:`` the global position, ``event:`` the kind, ``data:`` one JSON object ready to render.
With ``Last-Event-ID`` (or ``?last_event_id=``) a reader first gets what came after that position from the
timeline read model, then continues live: the stream subscribes to the hub BEFORE reading the timeline and
drops live frames at or below the last position it sent, so nothing is missed or repeated at the seam.
The site feed also opens with the audit log's signed tree head (``event: tree-head``, no id).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response

from newsroom.errors import ArticleNotFoundError
from projections import audit
from projections.sqlstore import SQLReadModels
from web.fanout.hub import Hub, encode_frame
from web.http import HTTPError
from web.services import blocking, services
from web.writes import path_slug

RETRY = b"retry: 2000\n\n"
HEARTBEAT_SECONDS = 15
SEND_TIMEOUT_SECONDS = 30  # a reader whose socket takes longer than this for one write is cut off
CATCH_UP_PAGE = 500


def _control(kind: str, message: str) -> bytes:
    return b'event: %s\ndata: {"message": "%s"}\n\n' % (kind.encode(), message.encode())


OVERFLOW = _control("overflow", "you fell too far behind; reconnect with Last-Event-ID to catch up")
RESYNC = _control("resync", "that position is not in this feed; reload the page and start again")


async def article_live(request: Request) -> Response:
    slug = path_slug(request)
    page = await blocking(services(request).read_models.article_page, slug)
    if page is None or page["status"] != "published":
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    return await _stream(request, slug)


async def site_live(request: Request) -> Response:
    return await _stream(request, None)


async def _stream(request: Request, slug: str | None) -> Response:
    svc = services(request)
    if svc.hub.readers >= svc.settings.max_streams:
        raise HTTPError(
            503,
            "too_many_streams",
            "this server has as many live readers as it takes; retry",
            headers={"Retry-After": "5"},
        )
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    last_seen: int | None = None
    resync = False
    if raw is not None:
        if raw.strip().isdigit():
            last_seen = int(raw.strip())
            # A position beyond the end of the log belongs to some other store: start again.
            resync = last_seen > await blocking(svc.app.last_position)
        else:
            resync = True
    tree_head = None
    if slug is None:  # the site feed opens with the audit log's signed head: readers can keep and check it
        head = await blocking(audit.tree_head, svc.read_models, svc.signer)
        tree_head = b"event: tree-head\ndata: %s\n\n" % orjson.dumps(head)
    return EventSourceResponse(
        _frames(svc.hub, svc.read_models, slug, last_seen, resync, tree_head),
        ping=HEARTBEAT_SECONDS,
        send_timeout=SEND_TIMEOUT_SECONDS,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _frames(
    hub: Hub,
    read_models: SQLReadModels,
    slug: str | None,
    last_seen: int | None,
    resync: bool,
    tree_head: bytes | None,
) -> AsyncIterator[bytes]:
    with hub.subscribe(slug) as subscriber:
        yield RETRY
        if resync:
            yield RESYNC
            return
        sent = 0
        if last_seen is not None:
            sent = last_seen
            while True:
                rows = await blocking(read_models.timeline_rows, after=sent, limit=CATCH_UP_PAGE, slug=slug)
                if not rows:
                    break
                yield b"".join(encode_frame(position, kind, data) for position, kind, data in rows)
                sent = rows[-1][0]
        if tree_head is not None:
            yield tree_head  # no id: it must not move the reader's Last-Event-ID
        while not hub.closing:
            frames = await subscriber.take()
            if subscriber.dropped:
                yield OVERFLOW
                return
            fresh = [frame for frame in frames if frame.position > sent]
            if fresh:
                sent = fresh[-1].position
                yield b"".join(frame.data for frame in fresh)
