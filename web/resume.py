"""Where a live reader resumes: the position it names (``Last-Event-ID``, or ``?last_event_id=`` for
clients that cannot set headers), checked against the log."""

from __future__ import annotations

from starlette.requests import Request

from newsroom import rules
from newsroom.errors import ValidationError
from projections.catch_up import CatchUp
from projections.documents import TimelineItem
from web.concurrency import blocking
from web.services import Services


async def resume_point(request: Request, svc: Services) -> tuple[int | None, bool]:
    """The position the reader last saw (None: a new reader), and whether it must start again instead
    (``resync``): a position that is not a whole number, or is beyond the log's end, is another store's."""
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    if raw is None:
        return None, False
    try:
        last_seen = rules.whole_number("Last-Event-ID", raw.strip())
    except ValidationError:
        return None, True  # not a position this server gave out
    # Only what is past what this process has sent needs the store to say.
    beyond = last_seen > svc.hub.last_position and last_seen > await blocking(svc.app.last_position)
    return (None, True) if beyond else (last_seen, False)


async def next_page(catch_up: CatchUp) -> list[TimelineItem] | None:
    """The next page, read in the pool; the first, already read, on the loop (unless a story to send
    whole needs reading)."""
    opening = catch_up.opening
    if opening is not None and not opening.republished:
        return catch_up.next_page()
    return await blocking(catch_up.next_page)
