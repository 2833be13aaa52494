"""A live request that came through a GRIP proxy: answered with what the reader missed, and handed over.

The proxy (Pushpin, Fanout) keeps the reader's connection; we answer once, with the catch-up as the body
and instructions in headers: hold the stream (``Grip-Hold: stream``) on the story's channel (or the
site's), whose last message this answer went up to (``prev-id``, the channel's head in the read model: the
catch-up is read no further than it), send a comment when the stream is quiet (``Grip-Keep-Alive``), and
where to ask again (``Grip-Link ... rel=next``). The projector then publishes each message once to every
proxy, each naming the message before it on its channel (``web.edge.publish``); a proxy that sees a
message whose ``prev-id`` is not the last one its reader got (a message lost, or published between our
answer and its subscription) asks the link with ``Grip-Last: <channel>; last-id=<what it has>``, which is
answered the same way, from that position. The link is the same for every reader of a channel, so the
proxy asks once for many; ``Grip-Last``, never the link, says where a reader is.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from newsroom import rules
from newsroom.errors import ArticleNotFoundError, ValidationError
from projections.catch_up import PAGE as CATCH_UP_PAGE
from projections.catch_up import CatchUp
from web.concurrency import blocking
from web.edge.cache_policy import SITE, story_key
from web.edge.grip import channel_of
from web.fanout import frames
from web.metrics import GRIP_ANSWERS
from web.resume import next_page, resume_point
from web.services import Services, services

# When a proxy asks the link for a reader that was sent nothing since: soon after it first holds the reader
# (a message published while the proxy was still setting its subscription up reaches no one, and a busy
# Pushpin is slow to notice: the next message would show the gap, but the last one before a quiet spell
# would stay missed), then seldom (a proxy asks at most ten times a second, for up to 100 readers each).
FIRST_LOOK_SECONDS = 5
LINK_TIMEOUT_SECONDS = 120
# The proxy may keep an answer (the catch-up after one position) a second: its readers' proxy catches up
# anything since. ``X-Accel-Expires`` is nginx's and never reaches readers; Surrogate-Control other caches'.
# (nginx reads X-Accel-Expires first only when it comes first.)
CACHE_HEADERS = {"X-Accel-Expires": "1", "Surrogate-Control": "max-age=1", "Cache-Control": "no-cache"}


def last_id(values: list[str], channel: str) -> int | None:
    """The position ``Grip-Last`` says the proxy's readers of ``channel`` have (None: it does not say)."""
    for value in values:
        for part in value.split(","):
            name, _, parameters = part.partition(";")
            if name.strip() != channel:
                continue
            for parameter in parameters.split(";"):
                key, _, found = parameter.strip().partition("=")
                if key == "last-id":
                    try:
                        return rules.whole_number("Grip-Last", found.strip().strip('"'))
                    except ValidationError:
                        return None
    return None


async def answer(request: Request, slug: str | None) -> Response:
    svc = services(request)
    channel = channel_of(slug)
    recovered = last_id(request.headers.getlist("grip-last"), channel)
    after: int | None = recovered
    resync = False
    if recovered is None:
        after, resync = await resume_point(request, svc)
    if resync:  # not for the proxy to hold: the reader starts again (it reloads on this message)
        GRIP_ANSWERS.labels("resync").inc()
        return Response(
            frames.spread_retry() + frames.RESYNC,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )
    opening = await blocking(
        svc.read_models.live_opening, slug=slug, after=after, limit=CATCH_UP_PAGE, head=True
    )
    # A reader already held stays held while the story is withdrawn (it is told so, and of a return).
    if not (opening.published or (recovered is not None and opening.known)):
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    head = opening.head or 0
    body = [] if recovered is not None else [frames.spread_retry()]
    if after is not None:
        catch_up = CatchUp(svc.read_models, after, slug, page=CATCH_UP_PAGE, opening=opening)
        while (messages := await next_page(catch_up)) is not None:
            body.extend(svc.hub.frame(message).data for message in messages)
    if slug is None and recovered is None:  # the site feed opens with the audit log's signed head
        body.append(await svc.tree_heads.frame())
    GRIP_ANSWERS.labels("recover" if recovered is not None else "hold").inc()
    timeout = LINK_TIMEOUT_SECONDS if recovered is not None else FIRST_LOOK_SECONDS
    headers = _instructions(svc, slug, head, timeout)
    return Response(b"".join(body), media_type="text/event-stream", headers=headers)


def _instructions(svc: Services, slug: str | None, head: int, timeout: int) -> dict[str, str]:
    path = "/api/live" if slug is None else f"/api/articles/{slug}/live"
    heartbeat = max(1, int(svc.settings.heartbeat))
    return {
        "Grip-Hold": "stream",
        "Grip-Channel": f"{channel_of(slug)}; prev-id={head}",
        "Grip-Link": f"<{path}>; rel=next; timeout={timeout}",
        # Sent by the proxy after the stream has been quiet this long: ": ping" and a blank line.
        "Grip-Keep-Alive": f":ping\\n\\n; format=cstring; timeout={heartbeat}",
        "Surrogate-Key": SITE if slug is None else story_key(slug),
        **CACHE_HEADERS,
    }
