"""Article reads: a story's page and the list of stories."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from newsroom.errors import ArticleNotFoundError
from newsroom.staff import Permission
from projections.article_page import public_page
from projections.documents import Doc
from web import queries
from web.audit import article_as_of
from web.auth import optional_staff
from web.concurrency import blocking
from web.desk import staff_page
from web.edge.cache_policy import SITE, story_key, tag_key
from web.edge.caching import Cached
from web.http import JSON
from web.params import read_your_writes
from web.queries import read_query
from web.services import services
from web.writes import path_slug


async def get_article(request: Request) -> Response:
    slug = path_slug(request)
    query: queries.ArticleRead = read_query(request, queries.ArticleRead)
    if query.as_of is not None:
        return await article_as_of(request, slug, query.as_of)
    await read_your_writes(request, "article-pages", query.after)
    viewer = await optional_staff(request)
    read_models = services(request).read_models
    if viewer is not None and viewer.may(Permission.WRITE_ARTICLES):
        # The newsroom's view: drafts, withdrawn stories and updates not yet released too (an embargoed
        # story only for the staff it names).
        page = await staff_page(request, slug, viewer)
        page["author_profiles"] = await blocking(read_models.profiles, page["authors"])
        return JSON(page, headers={"ETag": f'"{page["version"]}"', "Cache-Control": "private, no-store"})
    found = await blocking(read_models.article_page, slug)
    if found is None or found["status"] != "published":
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    # Its validator is its version, which editors send back as If-Match.
    cached = Cached.of(found["position"], [story_key(slug)], found["updated_at"], f'"{found["version"]}"')
    if (unchanged := cached.unchanged(request)) is not None:
        return unchanged
    page = public_page(found)
    page["author_profiles"] = await blocking(read_models.profiles, page["authors"])
    return cached.apply(request, JSON(page))


async def list_articles(request: Request) -> Response:
    query: queries.ArticleList = read_query(request, queries.ArticleList)
    await read_your_writes(request, "front-page", query.after)
    read_models = services(request).read_models

    def read() -> tuple[int, list[Doc]]:
        position = read_models.lists_position()
        return position, read_models.front_page(limit=query.limit, before=query.before, tag=query.tag)

    position, articles = await blocking(read)
    cached = Cached.of(position, [SITE] if query.tag is None else [tag_key(query.tag)])
    if (unchanged := cached.unchanged(request)) is not None:
        return unchanged
    following = articles[-1]["activity"] if len(articles) == query.limit else None
    return cached.apply(request, JSON({"articles": articles, "next_before": following}))
