"""One handler for every change to an article (``newsroom.commands``): the route table names the change, and
this does the rest, in the same order for all: the token (401/403), the article and the item in the path
(404), the body decoded straight into the change's struct (415, 400, 422 naming the field), If-Match and
Idempotency-Key, the command run, the receipt."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from newsroom import Principal, Receipt, commands
from newsroom.actions import DraftArticle, Order
from newsroom.commands import Change
from newsroom.errors import (
    CommentNotFoundError,
    EmbedNotFoundError,
    NothingChangedError,
    UpdateNotFoundError,
    ValidationError,
)
from web.auth import staff
from web.bans import refuse_banned
from web.clients import pseudonym
from web.concurrency import blocking
from web.http import HTTPError, read_body
from web.queries import field_and_message
from web.services import services
from web.writes import expected_version, path_slug, receipt, request_key, write

MISSING_ITEM = {"update": UpdateNotFoundError, "comment": CommentNotFoundError, "embed": EmbedNotFoundError}


def handler(kind: type[Change], status: int) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of one change (a function: Starlette calls functions with the request)."""

    async def endpoint(request: Request) -> Response:
        return await perform(request, kind, status)

    endpoint.__name__ = endpoint.__qualname__ = kind.name()
    return endpoint


async def perform(request: Request, kind: type[Change], status: int) -> Response:
    """Makes the change the route names, as asked by the request."""
    target = await target_of(request, kind)
    raw = await read_body(request)
    # A change whose fields all have defaults (publish now, say), or that has none (pin), may come without a
    # body; a body sent anyway is checked like any other (JSON, an object, no field the change does not have).
    empty = not raw.strip() and (not kind.__struct_fields__ or commands.optional_body(kind))
    change = kind() if empty else decode(kind, raw, request)
    return receipt(await make(request, target, change, raw), status=status, id_field=kind.creates)


Target = tuple[Principal | None, str, Any]  # who asks, the article's slug, the item the path names


async def target_of(request: Request, kind: type[Change]) -> Target:
    """Who asks (401/403 unless they may) and what the path names (404 when it cannot exist)."""
    who = await staff(request, kind.permission) if kind.permission is not None else None
    return who, path_slug(request), path_item(request, kind.item)


async def make(request: Request, target: Target, change: Change, raw: bytes) -> Receipt:
    """Makes a change: a reader's rate limit (429), If-Match and Idempotency-Key, the command run."""
    kind = type(change)
    who, slug, item = target
    client = None
    if who is not None:
        scope = who.actor
    else:  # a reader: rate-limited by who they are as far as it can be told
        client = pseudonym(services(request).site_key, request)
        scope = f"client:{client}"
        await _within_rate(request, scope)
        if isinstance(change, commands.AddComment):
            await refuse_banned(request, change.author, client)
        elif isinstance(change, commands.FlagComment):
            await _reported_once(request, client, item)
    command = commands.command(
        change,
        slug,
        by=who,
        item=item,
        expected_version=expected_version(request) if kind.conditional else None,
        request=request_key(request, scope, raw),
        client=client,
    )
    return await write(request, command)


async def draft(request: Request) -> Response:
    """A new story (the one change that is not to an existing article)."""
    editor = await staff(request, DraftArticle.permission)
    raw = await read_body(request)
    drafted: DraftArticle = decode(DraftArticle, raw, request)
    order = Order(drafted, editor, request=request_key(request, editor.actor, raw))
    return receipt(await write(request, order), status=201, slug=drafted.slug)


def path_item(request: Request, kind: str | None) -> Any:
    """The update, comment or embed id (404 when it cannot be one), or the tag, the path names."""
    if kind is None:
        return None
    value = request.path_params[f"{kind}_id" if kind != "tag" else "tag"]
    if kind == "tag":
        return value
    try:
        return UUID(hex=value)
    except ValueError:
        raise MISSING_ITEM[kind](f"no {kind} {value}") from None


def decode(kind: Any, raw: bytes, request: Request) -> Any:
    """The body as ``kind``: 415 unless it is JSON, 400 unless it is a JSON object, 422 naming the first
    field that does not fit."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise HTTPError(415, "unsupported_media_type", "send the body as application/json")
    try:
        return _decoder(kind).decode(raw)
    except msgspec.ValidationError as error:
        field, message = field_and_message(error, _plain(raw))
        if field == "body" and message.startswith("Expected object"):
            raise HTTPError(400, "malformed_json", "the body must be a JSON object") from None
        raise ValidationError(field, message) from None
    except msgspec.DecodeError as error:
        raise HTTPError(400, "malformed_json", f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise HTTPError(400, "malformed_json", "the body is nested too deeply") from None


def _plain(raw: bytes) -> Any:
    """The body decoded without a type: to say what is wrong with one of its values."""
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):  # a thousand nested arrays is a bad body, not a bug
        return None


@cache
def _decoder(kind: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(kind)


async def _reported_once(request: Request, client: str, comment: UUID) -> None:
    """A reader's report of a comment counts once (a day) until a moderator acts on it: pressing it again
    adds nothing to the queue, while a report after a moderator let it stand brings it back."""
    svc = services(request)
    found = await blocking(svc.read_models.moderation_comment, comment.hex)
    looked = len(found["acts"]) if found is not None else 0
    if await svc.report_limiter.hit(f"report:{client}:{comment.hex}:{looked}") is not None:
        raise NothingChangedError("you have reported this comment already: the moderators will look at it")


async def _within_rate(request: Request, client: str) -> None:
    retry_after = await services(request).comment_limiter.hit(client.removeprefix("client:"))
    if retry_after is not None:
        wait = max(1, round(retry_after + 0.5))
        raise HTTPError(
            429,
            "rate_limited",
            f"too many comments; try again in {wait} s",
            headers={"Retry-After": str(wait)},
            retry_after=wait,
        )
