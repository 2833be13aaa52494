"""The editor desk, the moderation queue, and the auditor's views: pages whose work happens in the
browser, through the JSON API, with the staff token the person signs in with (kept in the tab's
sessionStorage, sent as a Bearer token).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from web.pages.templates import page
from web.writes import path_slug


async def desk(request: Request) -> Response:
    return page(request, "desk.html")


async def moderation(request: Request) -> Response:
    return page(request, "moderation.html")


async def audit_list(request: Request) -> Response:
    return page(request, "audit_list.html")


async def auditor(request: Request) -> Response:
    slug = path_slug(request)
    return page(request, "audit.html", slug=slug, body_data={"slug": slug})
