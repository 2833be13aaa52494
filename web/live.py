"""Live feeds over Server-Sent Events: one article's changes, or the whole site's.

Each message: ``id:`` the global position, ``event:`` the kind, ``data:`` one JSON object ready to render.
With ``Last-Event-ID`` (or ``?last_event_id=``) a reader first gets what came after that position from the
timeline read model, then continues live: the stream subscribes to the hub BEFORE reading the timeline and
drops live frames at or below the last position it sent, so nothing is missed or repeated at the seam.
The site feed also opens with the audit log's signed tree head (``event: tree-head``, no id).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from projections import audit
from projections.sqlstore import SQLReadModels
from web.fanout.hub import Hub, Subscriber, encode_frame
from web.http import HTTPError
from web.params import published_page
from web.services import blocking, services

RETRY = b"retry: 2000\n\n"
PING = b": ping\n\n"
STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]
SEND_TIMEOUT_SECONDS = 30  # a reader whose socket takes longer than this for one write is cut off
CATCH_UP_PAGE = 500


def _control(kind: str, message: str) -> bytes:
    return b'event: %s\ndata: {"message": "%s"}\n\n' % (kind.encode(), message.encode())


OVERFLOW = _control("overflow", "you fell too far behind; reconnect with Last-Event-ID to catch up")
RESYNC = _control("resync", "that position is not in this feed; reload the page and start again")


class LiveStreams:
    """Middleware that serves the live routes itself, skipping the rest of the middleware and the router.

    A stream lives for hours: every layer it passed through would keep a coroutine frame per reader (about
    5 KB of the 21 KB a reader cost, measured with tracemalloc) and pass each message through its own send
    wrapper. Errors before the stream starts get the app's JSON answers from ``handlers``.
    """

    def __init__(
        self,
        app: ASGIApp,
        routes: Sequence[Route],
        handlers: Mapping[type[BaseException], Callable[[Request, Exception], Awaitable[Response]]],
    ) -> None:
        self.app = app
        self.routes = routes
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/live"):
            for route in self.routes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    await self._serve(route, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await route.endpoint(request)
        except Exception as error:
            # The nearest handler, but not the catch-all: the unexpected go on to the outermost middleware,
            # which answers 500 and logs them, as for any route.
            handler = next(
                (self.handlers[kind] for kind in type(error).__mro__ if kind in self.handlers), None
            )
            if handler is None or handler is self.handlers.get(Exception):
                raise
            response = await handler(request, error)
        await response(scope, receive, send)


async def article_live(request: Request) -> Response:
    slug, _ = await published_page(request)
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
    return EventStream(
        svc.hub,
        slug,
        lambda subscriber: _frames(
            svc.hub, subscriber, svc.read_models, slug, last_seen, resync, tree_head, svc.settings.heartbeat
        ),
    )


class EventStream(Response):
    """A Server-Sent Events response that costs one task per reader: the request's own.

    (sse-starlette, used before, runs a task group of four per stream; at thousands of readers that was most
    of the memory per reader: see README.) Heartbeats come from a timer on the reader's buffer, and each one
    first checks, without waiting, whether the reader hung up (so a gone reader is noticed within
    one heartbeat, and costs only its bounded buffer until then). A write that cannot complete within
    SEND_TIMEOUT_SECONDS is cut off by the hub's watchdog; the hub closing (SIGTERM) ends the stream at once.
    """

    def __init__(
        self, hub: Hub, slug: str | None, produce: Callable[[Subscriber], AsyncGenerator[bytes, None]]
    ) -> None:
        # Not Response.__init__: there is no body to render; the stream writes its own messages.
        self.status_code = 200
        self.background = None
        self.hub = hub
        self.slug = slug
        self.produce = produce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        with self.hub.subscribe(self.slug) as subscriber:
            subscriber.task = asyncio.current_task()
            try:
                await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
                async with contextlib.aclosing(self.produce(subscriber)) as chunks:
                    async for chunk in chunks:
                        if chunk is PING and await _hung_up(receive):
                            return
                        subscriber.sending_since = loop.time()  # the hub's watchdog cuts off a stuck write
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                        subscriber.sending_since = None
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except asyncio.CancelledError:
                if not subscriber.cut_off:
                    raise
                # A reader that stopped reading, cut off by the watchdog: it resumes with Last-Event-ID.
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()


async def _hung_up(receive: Receive) -> bool:
    """True if the reader has disconnected; never waits (the ASGI server answers a disconnect at once)."""
    try:
        async with asyncio.timeout(0):
            message = await receive()
    except TimeoutError:
        return False
    return bool(message["type"] == "http.disconnect")


async def _frames(
    hub: Hub,
    subscriber: Subscriber,
    read_models: SQLReadModels,
    slug: str | None,
    last_seen: int | None,
    resync: bool,
    tree_head: bytes | None,
    heartbeat: float,
) -> AsyncGenerator[bytes, None]:
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
        frames = await subscriber.take(heartbeat)
        if subscriber.dropped:
            yield OVERFLOW
            return
        fresh = [frame for frame in frames if frame.position > sent]
        if fresh:
            sent = fresh[-1].position
            yield b"".join(frame.data for frame in fresh)
        elif not frames and not hub.closing:
            yield PING  # nothing for a while: keeps proxies from closing an idle stream
