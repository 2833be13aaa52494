"""The reader page of a story and the front page: complete without JavaScript, live with it.

The page says which position it reflects (``data-position``); ``/static/reader.js`` opens the story's SSE
feed after that position, so nothing between rendering and subscribing is missed, and places each message's
fragment (rendered by the same template as the page's: ``web.pages.templates``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from projections.documents import Doc
from web.concurrency import blocking
from web.pages.templates import page
from web.params import published_page
from web.services import services

FRONT_PAGE_SIZE = 30


def _live_blog(article: Doc, base: str) -> dict[str, Any]:
    """schema.org LiveBlogPosting, with the updates as BlogPostings."""
    return {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": article["headline"],
        "url": f"{base}/articles/{article['slug']}",
        "datePublished": article["published_at"],
        "dateModified": article["updated_at"],
        "coverageStartTime": article["published_at"],
        "author": {"@type": "Person", "name": article["byline"].get("name")},
        "articleBody": article["body"],
        "keywords": article["tags"],
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": update["label"] or article["headline"],
                "articleBody": update["body"],
                "datePublished": update["at"],
                "dateModified": update["revised_at"] or update["struck_at"] or update["at"],
                "url": f"{base}/articles/{article['slug']}#u-{update['id']}",
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


async def article_page(request: Request) -> Response:
    slug, article = await published_page(request)
    base = services(request).settings.site_url
    updates = list(reversed(article["updates"]))  # newest first, as live coverage reads
    return page(
        request,
        "article.html",
        article=article,
        pinned=[update for update in updates if update["pinned"]],
        updates=[update for update in updates if not update["pinned"]],
        replies=replies_of(article["comments"]),
        live_blog=_live_blog(article, base),
        scripts=["common.js", "reader.js"],
        body_data={"slug": slug, "position": article["position"], "version": article["version"]},
    )


async def front_page(request: Request) -> Response:
    stories = await blocking(services(request).read_models.front_page, limit=FRONT_PAGE_SIZE)
    return page(request, "front.html", stories=stories, scripts=["common.js", "front.js"])
