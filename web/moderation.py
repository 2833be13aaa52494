"""The moderators' queue across every story, acts on many comments at once, bans; and an admin's erasure
of a commenter (every comment signed with their name)."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType
from starlette.requests import Request
from starlette.responses import Response

from newsroom.actions import BanCommenter, CommentRef, LiftBan, ModerateComments, Order
from newsroom.bans import BanNotFoundError, name_key
from newsroom.commands import Author, Reason
from newsroom.errors import CommentNotFoundError, NothingChangedError
from newsroom.staff import Permission
from projections.erasure import erase_commenter
from web import queries, responses
from web.auth import staff
from web.changes import decode
from web.concurrency import blocking
from web.http import JSON, read_body
from web.params import read_your_writes
from web.queries import read_query
from web.services import services
from web.writes import write


class Ban(BanCommenter, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ban a commenter: by ``name``, by ``client`` (the pseudonym the queue shows), or ``comment``: the
    name and the client of whoever wrote that comment."""

    schema_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": ["name"]}, {"required": ["client"]}, {"required": ["comment"]}]
    }
    comment: CommentRef | UnsetType = UNSET


class EraseCommenter(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Erase every comment signed ``name`` (on every story), and the bans that name them."""

    name: Author
    reason: Reason


async def queue(request: Request) -> Response:
    await staff(request, Permission.MODERATE_COMMENTS)
    query: queries.ModerationQueue = read_query(request, queries.ModerationQueue)
    await read_your_writes(request, "moderation", query.after)
    read_models = services(request).read_models
    comments = await blocking(
        read_models.moderation,
        slug=query.slug,
        hidden_only=query.hidden,
        state=query.state,
        client=query.client,
        before=query.before,
        limit=query.limit,
    )
    counts = await blocking(read_models.moderation_counts, slug=query.slug)
    story = await blocking(read_models.moderation_story, query.slug) if query.slug else None
    following = comments[-1]["position"] if len(comments) == query.limit else None
    body = {"comments": comments, "counts": counts, "next_before": following}
    if story is not None:
        body["story"] = story
    return JSON(body, headers={"Cache-Control": "private, no-store"})


async def bulk(request: Request) -> Response:
    moderator = await staff(request, Permission.MODERATE_COMMENTS)
    asked: ModerateComments = decode(ModerateComments, await read_body(request), request)
    result = await write(request, Order(asked, moderator))
    return JSON(
        responses.BulkModerated(
            changed=len(asked.comments) - len(result.unchanged),
            unchanged=[{"slug": slug, "id": comment.hex} for slug, comment in result.unchanged],
            position=result.position or None,
        )
    )


async def bans(request: Request) -> Response:
    await staff(request, Permission.MODERATE_COMMENTS)
    await read_your_writes(request, "moderation")
    every = request.query_params.get("all") == "true"
    found = await blocking(services(request).read_models.bans, active_only=not every)
    return JSON({"bans": found}, headers={"Cache-Control": "private, no-store"})


async def ban(request: Request) -> Response:
    moderator = await staff(request, Permission.MODERATE_COMMENTS)
    asked: Ban = decode(Ban, await read_body(request), request)
    name, client = asked.name or None, asked.client or None
    svc = services(request)
    # The comment, or a ban, may have been written a moment ago: the read model catches up with the log first.
    await blocking(svc.read_models.wait_for, svc.app.last_position(), 2.0, "moderation")
    if asked.comment:
        found = await blocking(svc.read_models.moderation_comment, asked.comment.id)
        if found is None or found["slug"] != asked.comment.slug:
            raise CommentNotFoundError(f"no comment {asked.comment.id} on {asked.comment.slug}")
        name, client = name or found["author"] or None, client or found["client"] or None
    active = await blocking(svc.read_models.bans, active_only=True)
    if (name is None or any(b["name"] and name_key(b["name"]) == name_key(name) for b in active)) and (
        client is None or any(b["client"] == client for b in active)
    ):
        # A second ban would stop no one more, and lifting one of two would leave the other in force.
        raise NothingChangedError("the bans in force already cover this commenter")
    banned = BanCommenter(reason=asked.reason, name=name or UNSET, client=client or UNSET)
    result = await write(request, Order(banned, moderator))
    assert result.id is not None
    return JSON(responses.Banned(ban_id=result.id.hex, position=result.position), status_code=201)


async def lift_ban(request: Request) -> Response:
    moderator = await staff(request, Permission.MODERATE_COMMENTS)
    try:
        ban_id = UUID(hex=request.path_params["ban_id"])
    except ValueError:
        raise BanNotFoundError(f"no ban {request.path_params['ban_id']}") from None
    asked: LiftBan = decode(LiftBan, await read_body(request), request)
    result = await write(request, Order(asked, moderator, subject=ban_id))
    return JSON(responses.Position(position=result.position))


async def erase(request: Request) -> Response:
    admin = await staff(request, Permission.ERASE_CONTENT)
    asked: EraseCommenter = decode(EraseCommenter, await read_body(request), request)
    svc = services(request)
    report = await blocking(
        erase_commenter, svc.app, svc.read_models, asked.name, reason=asked.reason, by=admin
    )
    return JSON(
        responses.CommenterErased(
            comments=report.comments,
            stories=report.stories,
            bans=report.bans,
            position=report.position or None,
        )
    )
