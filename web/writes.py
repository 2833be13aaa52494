"""What every write shares: If-Match, Idempotency-Key, the receipt answer, and the 409 that helps rebase."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from functools import cache
from typing import Any
from uuid import UUID

from msgspec import UNSET
from prometheus_client import Counter
from starlette.requests import Request

from newsroom import Newsroom, Receipt, RequestKey
from newsroom.actions import Order
from newsroom.commands import Command
from newsroom.errors import (
    ArticleNotFoundError,
    CommentNotFoundError,
    NewsroomError,
    UpdateNotFoundError,
    VersionConflictError,
)
from newsroom.rules import slug as check_slug
from projections.history import event_record
from web import responses
from web.concurrency import blocking
from web.http import JSON, HTTPError
from web.metrics import COMMANDS
from web.services import services


def path_slug(request: Request) -> str:
    """The slug in the path; one that cannot exist is simply not found."""
    value = request.path_params["slug"]
    try:
        return check_slug(value)
    except Exception:
        raise ArticleNotFoundError(f"no article {value}") from None


def path_uuid(request: Request, name: str) -> UUID:
    value = request.path_params[name]
    try:
        return UUID(hex=value)
    except ValueError:
        missing = UpdateNotFoundError if name == "update_id" else CommentNotFoundError
        raise missing(f"no {name.removesuffix('_id')} {value}") from None


# A version, quoted or not, weak or not, as web/openapi.py says (18 digits: more than a story reaches).
IF_MATCH = re.compile(r'(?:W/)?"?([0-9]{1,18})"?', re.ASCII)


def expected_version(request: Request) -> int | None:
    """``If-Match: <version>`` (quotes and a weak prefix are accepted, as for any ETag)."""
    header = request.headers.get("if-match")
    if header is None:
        return None
    found = IF_MATCH.fullmatch(header.strip())
    if found is None:
        raise HTTPError(400, "invalid_if_match", "If-Match takes the article version, e.g. If-Match: 7")
    return int(found.group(1))


def request_key(request: Request, scope: str, raw_body: bytes = b"") -> RequestKey | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    secret = services(request).site_key
    return RequestKey.of(scope, key, request.method, request.url.path, raw_body, secret=secret)


@cache  # (command, outcome) pairs are few; prometheus_client's labels() takes a lock and builds a key
def commands_counted(command: str, outcome: str) -> Counter:
    return COMMANDS.labels(command, outcome)


async def write(http: Request, command: Command | Order) -> Receipt:
    """Runs a write: a change to an article is decided on the loop where it can be (``web.commits``), in
    the pool where the store must be read; any other action in the pool. On a stale If-Match, the 409
    lists what changed since."""
    svc = services(http)
    if isinstance(command, Command):
        return await _counted(http, command.name, svc.commits.execute(command))
    return await _counted(http, command.name, blocking(svc.app.handle, command))


async def _counted(http: Request, name: str, outcome: Awaitable[Receipt]) -> Receipt:
    try:
        result = await outcome
    except VersionConflictError as conflict:
        commands_counted(name, conflict.code).inc()
        slug = http.path_params.get("slug")
        if slug:
            http.scope["newsroom.changes_since"] = await blocking(
                changes_since, services(http).app, slug, conflict.expected_version
            )
        raise
    except NewsroomError as error:
        commands_counted(name, error.code).inc()
        raise
    except Exception:
        commands_counted(name, "error").inc()
        raise
    commands_counted(name, "replayed" if result.replayed else "ok").inc()
    return result


CHANGES_SHOWN = 50


def changes_since(app: Newsroom, slug: str, version: int) -> list[dict[str, Any]]:
    """Who changed what after ``version`` (the latest CHANGES_SHOWN): enough for an editor to rebase."""
    latest = app.article(slug).version
    after = max(version, latest - CHANGES_SHOWN)
    return [
        {key: record[key] for key in ("version", "at", "actor", "type")}
        for record in (event_record(event, None) for event in app.article_events(slug, after_version=after))
    ]


def receipt(
    result: Receipt, *, status: int = 200, id_field: str | None = None, slug: str | None = None
) -> JSON:
    created = {id_field: result.id.hex} if id_field is not None and result.id is not None else {}
    body = responses.Receipt(
        version=result.version, position=result.position, slug=UNSET if slug is None else slug, **created
    )
    headers = {"ETag": f'"{result.version}"'}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSON(body, status_code=status, headers=headers)
