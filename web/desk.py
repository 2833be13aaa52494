"""What the newsroom's desk needs besides the changes themselves: who is signed in, the staff and their
profiles, every story with its status, Markdown rendered by the site's own renderer, who else has a story
open, and links to preview a story not yet public."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response

from newsroom import Principal, richtext, rules
from newsroom.actions import ChangeProfile, Order
from newsroom.errors import ArticleNotFoundError, StaffNotFoundError
from newsroom.staff import ROLE_PERMISSIONS, Permission, Role
from projections.documents import Doc
from web import queries
from web.auth import staff
from web.changes import decode
from web.concurrency import blocking
from web.http import JSON, read_body
from web.params import read_your_writes
from web.previews import preview_url
from web.queries import read_query
from web.services import services
from web.writes import path_slug, receipt, write


class MarkdownText(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, Meta(max_length=rules.ARTICLE_BODY_MAX)]


def member(principal: Principal, profiles: list[Doc]) -> Doc:
    profile = profiles[0] if profiles else {"display_name": principal.name, "bio": "", "picture_url": ""}
    return {
        "name": principal.name,
        "role": str(principal.role),
        "permissions": sorted(str(p) for p in ROLE_PERMISSIONS[principal.role]),
        "display_name": profile["display_name"],
        "bio": profile["bio"],
        "picture_url": profile["picture_url"],
    }


async def me(request: Request) -> Response:
    """Who the token is: the desk signs in with this, so a wrong token is told at once."""
    principal = await staff(request)
    profiles = await blocking(services(request).read_models.profiles, [principal.name])
    return JSON(member(principal, profiles), headers={"Cache-Control": "no-store"})


async def staff_list(request: Request) -> Response:
    """Every active staff member who may write, with the name readers see (for bylines)."""
    await staff(request)
    svc = services(request)

    def read() -> list[Doc]:
        members = [m for m in svc.app.staff_members() if m.active]
        shown = {p["name"]: p for p in svc.read_models.profiles([m.name for m in members])}
        return [
            {
                "name": m.name,
                "role": str(m.role),
                "display_name": shown.get(m.name, {}).get("display_name", m.name),
            }
            for m in members
        ]

    return JSON({"staff": await blocking(read)}, headers={"Cache-Control": "no-store"})


async def change_profile(request: Request) -> Response:
    principal = await staff(request)
    name = request.path_params["name"]
    try:
        rules.staff_name(name)
    except Exception:
        raise StaffNotFoundError(f"no staff member {name}", name=name) from None
    change: ChangeProfile = decode(ChangeProfile, await read_body(request), request)
    result = await write(request, Order(change, principal, subject=name))
    return receipt(result)


async def desk_stories(request: Request) -> Response:
    """Every story, drafts, scheduled and withdrawn ones too, most recently changed first; an embargoed
    one only for the staff it names (and admins)."""
    return await _stories(request, await staff(request, Permission.WRITE_ARTICLES))


async def audit_stories(request: Request) -> Response:
    """The desk's list of stories, for auditors choosing one to look into."""
    return await _stories(request, await staff(request, Permission.READ_AUDIT))


async def _stories(request: Request, principal: Principal) -> Response:
    query: queries.DeskStories = read_query(request, queries.DeskStories)
    await read_your_writes(request, "front-page", query.after)
    stories = await blocking(
        services(request).read_models.desk_stories,
        limit=query.limit,
        status=query.status,
        search=query.q,
        before=query.before,
    )
    following = stories[-1]["changed"] if len(stories) == query.limit else None
    shown = [story for story in stories if may_see(principal, story.get("embargo_staff") or [])]
    return JSON({"stories": shown, "next_before": following}, headers={"Cache-Control": "no-store"})


def may_see(principal: Principal, embargo_staff: list[str]) -> bool:
    """Whether a staff member may see a story held under embargo (any story, if it is not held)."""
    return not embargo_staff or principal.role == Role.ADMIN or principal.name in embargo_staff


async def render_markdown(request: Request) -> Response:
    """Text rendered exactly as readers will see it (the live preview of the desk's editor)."""
    await staff(request)
    sent: MarkdownText = decode(MarkdownText, await read_body(request), request)
    text = sent.text.strip()
    if text:
        richtext.check("text", text)
    return JSON({"html": richtext.render(text) if text else ""})


async def presence(request: Request) -> Response:
    """Says this desk has the story open; answers who has it open now (across web processes)."""
    principal = await staff(request)
    slug = path_slug(request)
    profiles = await blocking(services(request).read_models.profiles, [principal.name])
    shown = profiles[0]["display_name"] if profiles else principal.name
    editors = await services(request).presence.here(slug, principal.name, shown)
    return JSON({"editors": editors}, headers={"Cache-Control": "no-store"})


async def preview_link(request: Request) -> Response:
    """A link (valid for a while) at which the story is shown exactly as readers will see it, drafts,
    scheduled updates and all: for staff, and for whoever they send it to."""
    principal = await staff(request, Permission.WRITE_ARTICLES)
    slug = path_slug(request)
    page = await staff_page(request, slug, principal)
    url, expires = preview_url(services(request), page["slug"])
    return JSON({"url": url, "expires_at": expires})


async def staff_page(request: Request, slug: str, principal: Principal) -> dict[str, Any]:
    """The story as staff see it (its updates not yet released too), if this member may see it."""
    page = await blocking(services(request).read_models.article_page, slug, staff=True)
    if page is None or not may_see(principal, (page.get("embargo") or {}).get("staff", [])):
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    return page
