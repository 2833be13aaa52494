"""Keeping banned commenters out: a comment is refused (403) when its name or its client is banned, with
the moderators' reason, as a platform owes the person it restricts (a statement of reasons)."""

from __future__ import annotations

from starlette.requests import Request

from web.concurrency import blocking
from web.http import HTTPError
from web.services import services


async def refuse_banned(request: Request, author: str, client: str) -> None:
    ban = await blocking(services(request).read_models.ban_of, author, client)
    if ban is not None:
        raise HTTPError(
            403,
            "banned",
            f"you may not comment here: {ban['reason']}",
            reason=ban["reason"],
        )
