"""Lists of stories for readers: the front page (``?tag=`` narrows it), a topic's page and an author's page,
each live (``/static/front.js`` takes the list again from the page when the site changes) and each with
feeds of its own. A page is ``LIST_SIZE`` stories; ``?before=`` is the next page's cursor."""

from __future__ import annotations

from typing import Any, NamedTuple

from starlette.requests import Request
from starlette.responses import Response

from newsroom import rules
from newsroom.errors import NotFoundError, StaffNotFoundError, ValidationError
from projections.documents import Doc
from projections.registry import ReadModels
from web.concurrency import blocking
from web.edge.cache_policy import SITE, author_key, tag_key
from web.edge.caching import Cached
from web.pages.templates import page
from web.params import int_param
from web.services import services

LIST_SIZE = 30


def with_bylines(read_models: ReadModels, stories: list[Doc]) -> list[Doc]:
    """Each story with the names its authors are shown by (their profiles), for its card and its entry."""
    names = sorted({name for story in stories for name in story.get("authors", [])})
    shown = {profile["name"]: profile["display_name"] for profile in read_models.profiles(names)}
    return [
        {**story, "byline_names": ", ".join(shown.get(name, name) for name in story.get("authors", []))}
        for story in stories
    ]


class Listing(NamedTuple):
    stories: list[Doc]
    following: int | None  # the next page's cursor
    position: int  # what the lists' read model had applied when they were read: their validator


def stories_of(
    read_models: ReadModels, *, before: int | None, tag: str | None = None, author: str | None = None
) -> Listing:
    position = read_models.lists_position()
    stories = read_models.front_page(limit=LIST_SIZE, before=before, tag=tag, author=author)
    following = stories[-1]["activity"] if len(stories) == LIST_SIZE else None
    return Listing(with_bylines(read_models, stories), following, position)


def tag_of(value: str) -> str:
    try:
        return rules.tag(value)
    except ValidationError:
        raise NotFoundError(f"no topic {value}") from None


async def front_page(request: Request) -> Response:
    before = int_param(request, "before", None, low=1)
    tag = request.query_params.get("tag") or None
    if tag is not None:
        tag = tag_of(tag)
    svc = services(request)
    listing = await blocking(stories_of, svc.read_models, before=before, tag=tag)
    site = svc.settings.site
    heading = f"Latest on {tag}" if tag else "Latest"
    return _list(
        request,
        heading,
        listing,
        [SITE] if tag is None else [tag_key(tag)],
        feed="/feed",
        canonical=f"{site.url}/",
        tag_filter=tag,
    )


async def tag_page(request: Request) -> Response:
    tag = tag_of(request.path_params["tag"])
    before = int_param(request, "before", None, low=1)
    svc = services(request)
    listing = await blocking(stories_of, svc.read_models, before=before, tag=tag)
    return _list(
        request,
        f"Stories on {tag}",
        listing,
        [tag_key(tag)],
        feed=f"/tags/{tag}/feed",
        canonical=f"{svc.settings.site.url}/tags/{tag}",
    )


async def author_profile(read_models: ReadModels, name: str) -> Doc:
    """A staff member's public profile; 404 for one who is not there."""
    try:
        rules.staff_name(name)
    except ValidationError:
        raise StaffNotFoundError(f"no author {name}") from None
    found = await blocking(read_models.profiles, [name])
    if not found:
        raise StaffNotFoundError(f"no author {name}")
    return found[0]


async def author_page(request: Request) -> Response:
    svc = services(request)
    profile = await author_profile(svc.read_models, request.path_params["name"])
    before = int_param(request, "before", None, low=1)
    listing = await blocking(stories_of, svc.read_models, before=before, author=profile["name"])
    return _list(
        request,
        profile["display_name"],
        listing,
        [author_key(profile["name"])],
        feed=f"/authors/{profile['name']}/feed",
        canonical=f"{svc.settings.site.url}/authors/{profile['name']}",
        profile=profile,
    )


def _list(request: Request, heading: str, listing: Listing, keys: list[str], **context: Any) -> Response:
    cached = Cached.of(listing.position, keys)
    if (unchanged := cached.unchanged(request)) is not None:
        return unchanged
    site = services(request).settings.site
    response = page(
        request,
        "list.html",
        heading=heading,
        stories=listing.stories,
        next_before=listing.following,
        description=f"{heading}: live coverage from {site.name}.",
        scripts=["common.js", "front.js"],
        **context,
    )
    return cached.apply(request, response)
