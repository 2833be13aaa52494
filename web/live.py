"""Live feeds over Server-Sent Events: one article's changes, or the whole site's.

Each message: ``id:`` the global position, ``event:`` the kind, ``data:`` one JSON object ready to render.
With ``Last-Event-ID`` (or ``?last_event_id=``) a reader first gets what changed after that position, as it
stands now (``projections.catch_up``: one message per item, never a state since hidden or withdrawn), then
continues live: the stream subscribes to the hub BEFORE reading the catch-up and skips live frames at or
below the position it covered, so nothing is missed or repeated at the seam.
The site feed also opens with the audit log's signed tree head (``event: tree-head``, no id).
A request that came through one of our GRIP proxies (``web.edge``) is answered with the catch-up and
handed to the proxy, which holds the reader from then on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from newsroom.errors import ArticleNotFoundError
from projections.catch_up import PAGE as CATCH_UP_PAGE
from projections.catch_up import CatchUp
from web.clients import client_id
from web.concurrency import blocking
from web.edge import grip, hold
from web.fanout import frames
from web.fanout.hub import Hub, Subscriber
from web.logs import REQUEST_ID, log_access, request_id_for
from web.protocol import Connection
from web.resume import next_page, resume_point
from web.services import services
from web.stream_slots import Slot
from web.writes import path_slug

STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]
SEND_TIMEOUT_SECONDS = 30  # a reader whose socket takes longer than this for one write is cut off


class NewsroomApp(Starlette):
    """Starlette, except that it serves the live routes itself, ahead of the middleware and the router.

    A stream lives for hours, and every layer it passed through keeps a coroutine frame (and often a send
    wrapper) per reader: measured with tracemalloc, the middleware stack, the router and a generator cost
    about 4 KB of each reader's 15. What those layers do for a stream is done here: the request id (echoed
    and logged), the access line when the stream ends, and errors answered by the app's handlers.
    """

    def __init__(self, *, live_routes: Sequence[Route], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.live_routes = live_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._live_route(scope)
        if route is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        request_id = request_id_for(scope)
        started = time.perf_counter()
        response = await self._open(route, Request(scope, receive), request_id)
        try:
            await response(scope, receive, send)
        finally:
            log_access(scope, response.status_code, started, request_id)

    def _live_route(self, scope: Scope) -> Route | None:
        if scope["type"] == "http" and scope["path"].endswith("/live"):
            for route in self.live_routes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    return route
        return None

    async def _open(self, route: Route, request: Request, request_id: str) -> EventStream | Response:
        """The stream, or the app's answer to why there is none; either carries the request id."""
        token = REQUEST_ID.set(request_id)
        try:
            response: EventStream | Response = await route.endpoint(request)
        except Exception as error:
            handler = next(
                self.exception_handlers[kind]
                for kind in type(error).__mro__
                if kind in self.exception_handlers
            )
            response = await handler(request, error)
        finally:
            REQUEST_ID.reset(token)
        if isinstance(response, EventStream):
            response.request_id = request_id
        else:
            response.headers["x-request-id"] = request_id
        return response


async def article_live(request: Request) -> EventStream | Response:
    return await _stream(request, path_slug(request))


async def site_live(request: Request) -> EventStream | Response:
    return await _stream(request, None)


async def _stream(request: Request, slug: str | None) -> EventStream | Response:
    svc = services(request)
    proxies = svc.settings.grip_proxies
    if proxies and grip.from_proxy(request.headers.get("grip-sig"), proxies):
        return await hold.answer(request, slug)  # the proxy holds the reader; the projector tells it
    last_seen, resync = await resume_point(request, svc)
    # Whether the story may be read, and what a resuming reader missed, in one round trip to the store.
    opening = await blocking(
        svc.read_models.live_opening, slug=slug, after=None if resync else last_seen, limit=CATCH_UP_PAGE
    )
    if not opening.published:
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    catch_up = None
    if last_seen is not None and not resync:
        catch_up = CatchUp(svc.read_models, last_seen, slug, page=CATCH_UP_PAGE, opening=opening)
    tree_head = None
    if slug is None:  # the site feed opens with the audit log's signed head: readers can keep and check it
        tree_head = await svc.tree_heads.frame()
    slot = svc.stream_slots.take(client_id(request))  # last: nothing above may fail and keep the slot
    return EventStream(svc.hub, slug, catch_up, resync, tree_head, slot)


class EventStream:
    """A Server-Sent Events response (an ASGI app) that costs one task per reader: the request's own.

    Frames are sse-starlette's (``web.fanout.frames``), encoded once per message; its
    ``EventSourceResponse`` is not used because it runs a task group of four per stream, which at
    thousands of readers would be most of the memory each costs. The hub's watchdog wakes a quiet stream
    for a heartbeat, which first checks, without waiting, whether the reader hung up (so a gone reader is
    noticed within one heartbeat), and cuts off a write that cannot complete within
    SEND_TIMEOUT_SECONDS; the hub closing (SIGTERM) ends the stream at once.
    """

    __slots__ = ("catch_up", "hub", "reader", "request_id", "resync", "slot", "slug", "tree_head")
    status_code = 200

    def __init__(
        self,
        hub: Hub,
        slug: str | None,
        catch_up: CatchUp | None,
        resync: bool,
        tree_head: bytes | None,
        slot: Slot,
    ) -> None:
        self.hub = hub
        self.slug = slug
        self.catch_up = catch_up
        self.resync = resync
        self.tree_head = tree_head
        self.slot = slot
        self.reader: Subscriber | None = None
        self.request_id: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection: Connection | None = scope.get("newsroom.connection")
        if connection is not None:
            connection.watcher = self
        cut_off = False
        try:
            cut_off = await self._serve(scope, receive, send, connection)
        finally:
            if connection is None:
                self.slot.give_back()
            elif cut_off:
                # The reader stopped reading: its socket is closed and the bytes queued for it dropped;
                # its slot is given back only then.
                connection.close_soon()
            else:
                self.slot.give_back()

    async def _serve(self, scope: Scope, receive: Receive, send: Send, connection: Connection | None) -> bool:
        """The stream; True when its reader was cut off for falling behind or not reading."""
        hub = self.hub
        with hub.subscribe(self.slug) as reader:
            reader.task = asyncio.current_task()
            if self.catch_up is not None:
                # Subscribed only now: what was told live readers since the first page was read comes
                # from the store too. (Frames from here on come live; those the catch-up covers are
                # skipped: nothing is missed or repeated at the seam.)
                self.catch_up.read_again_after(reader.cursor)
            self.reader = reader
            try:
                await send({"type": "http.response.start", "status": 200, "headers": self._headers()})
                await _write(reader, send, frames.spread_retry())
                if self.resync:
                    await _write(reader, send, frames.RESYNC)
                elif self.catch_up is not None:
                    await self._catch_up(reader, send, self.catch_up)
                if self.tree_head is not None and not self.resync:
                    await _write(reader, send, self.tree_head)  # no id: it must not move Last-Event-ID
                while not (self.resync or hub.closing):
                    fresh = reader.fresh()
                    if fresh == []:
                        await reader.wait()
                        fresh = reader.fresh()
                        if fresh == [] and not hub.closing:  # woken with nothing new: a heartbeat
                            if await _hung_up(receive):
                                return False
                            await _write(reader, send, frames.PING)  # keeps proxies from closing idle streams
                            continue
                    if fresh is None:
                        await _write(reader, send, frames.OVERFLOW)
                        reader.cut_off = True
                        break
                    if fresh:
                        await _write(reader, send, b"".join(frame.data for frame in fresh))
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except asyncio.CancelledError:
                if not reader.cut_off:
                    raise
                # A reader that stopped reading, cut off by the watchdog: told so after what it has yet to
                # read, in case it reads again; it resumes with Last-Event-ID.
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                if connection is not None:
                    connection.end_with(frames.OVERFLOW)
            return reader.cut_off

    def connection_closed(self) -> None:
        """The socket is closed: the slot is free, and a reader that hung up is noticed at once."""
        self.slot.give_back()
        if self.reader is not None:
            self.reader.wake()

    def _headers(self) -> list[tuple[bytes, bytes]]:
        if self.request_id is None:
            return STREAM_HEADERS
        return [*STREAM_HEADERS, (b"x-request-id", self.request_id.encode())]

    async def _catch_up(self, reader: Subscriber, send: Send, catch_up: CatchUp) -> None:
        """What the reader missed, as it stands now (``projections.catch_up``); the live frames it covers
        are skipped. The first page was read before the stream began (``live_opening``)."""
        while (messages := await next_page(catch_up)) is not None:
            if messages:
                await _write(reader, send, b"".join(self.hub.frame(message).data for message in messages))
        reader.skip_to(catch_up.through)


async def _write(reader: Subscriber, send: Send, body: bytes) -> None:
    """One write, watched: the hub's watchdog cuts off a write stuck for too long."""
    reader.sending_since = reader.written_at = asyncio.get_running_loop().time()
    await send({"type": "http.response.body", "body": body, "more_body": True})
    reader.sending_since = None


async def _hung_up(receive: Receive) -> bool:
    """True if the reader has disconnected; never waits (the ASGI server answers a disconnect at once)."""
    try:
        async with asyncio.timeout(0):
            message = await receive()
    except TimeoutError:
        return False
    return bool(message["type"] == "http.disconnect")
