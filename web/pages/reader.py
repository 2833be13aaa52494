"""The reader page of a story and the front page: complete without JavaScript, live with it; and the
preview of a story not yet public, rendered by the same template.

The page says which position it reflects (``data-position``); ``/static/reader.js`` opens the story's SSE
feed after that position, so nothing between rendering and subscribing is missed, and places each message's
fragment (rendered by the same template as the page's: ``web.pages.templates``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from projections.documents import Doc
from web import previews
from web.concurrency import blocking
from web.desk import staff_page
from web.pages.templates import page
from web.params import published_page
from web.previews import PREVIEWER
from web.services import Services, services
from web.writes import path_slug

FRONT_PAGE_SIZE = 30


def _live_blog(article: Doc, base: str, authors: list[Doc]) -> dict[str, Any]:
    """schema.org LiveBlogPosting, with the updates as BlogPostings."""
    url = f"{base}/articles/{article['slug']}"
    names = [author["display_name"] for author in authors] or [article["byline"].get("name")]
    return {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": article["headline"],
        "url": url,
        "datePublished": article["published_at"],
        "dateModified": article["updated_at"],
        "coverageStartTime": article["published_at"],
        **({"coverageEndTime": article["coverage_ended_at"]} if article["coverage_ended_at"] else {}),
        "author": [{"@type": "Person", "name": name} for name in names if name],
        "articleBody": article["body_html"],
        "keywords": article["tags"],
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": update["headline"] or update["label"] or article["headline"],
                "articleBody": update["body_html"],
                "datePublished": update["at"],
                "dateModified": update["revised_at"] or update["struck_at"] or update["at"],
                "url": f"{url}#u-{update['id']}",
            }
            for update in reversed(article["updates"][-50:])
        ],
    }


def replies_of(comments: list[Doc]) -> dict[str | None, list[Doc]]:
    """Comments by the comment they reply to (None: the top level, where replies to a comment no longer
    shown go too)."""
    visible = {comment["id"] for comment in comments}
    replies: dict[str | None, list[Doc]] = {}
    for comment in comments:
        parent = comment["reply_to"] if comment["reply_to"] in visible else None
        replies.setdefault(parent, []).append(comment)
    return replies


async def _article_context(svc: Services, article: Doc) -> dict[str, Any]:
    authors = await blocking(svc.read_models.profiles, article["authors"])
    updates = list(reversed(article["updates"]))  # newest first, as live coverage reads
    return {
        "article": article,
        "authors": authors,
        "key_events": [update for update in updates if update["key"] and not update["struck"]],
        "pinned": [update for update in updates if update["pinned"]],
        "updates": [update for update in updates if not update["pinned"]],
        "replies": replies_of(article["comments"]),
        "live_blog": _live_blog(article, svc.settings.site_url, authors),
    }


async def article_page(request: Request) -> Response:
    slug, article = await published_page(request)
    context = await _article_context(services(request), article)
    return page(
        request,
        "article.html",
        **context,
        scripts=["common.js", "reader.js"],
        body_data={"slug": slug, "position": article["position"], "version": article["version"]},
    )


async def preview(request: Request) -> Response:
    """A story as readers will see it, at a link from the desk (``web.previews``): drafts, embargoed and
    scheduled stories, updates not yet released shown where they will be."""
    svc = services(request)
    slug = path_slug(request)
    previews.check(svc, slug, request.query_params.get("expires"), request.query_params.get("signature"))
    article = await staff_page(request, slug, PREVIEWER)
    context = await _article_context(svc, article)
    response = page(request, "article.html", **context, preview=True)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


async def front_page(request: Request) -> Response:
    stories = await blocking(services(request).read_models.front_page, limit=FRONT_PAGE_SIZE)
    return page(request, "front.html", stories=stories, scripts=["common.js", "front.js"])
