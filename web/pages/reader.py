"""The reader page of a story and the front page: complete without JavaScript, live with it; and the
preview of a story not yet public, rendered by the same template.

The page says which position it reflects (``data-position``); ``/static/reader.js`` opens the story's SSE
feed after that position, so nothing between rendering and subscribing is missed, and places each message's
fragment (rendered by the same template as the page's: ``web.pages.templates``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from newsroom import richtext
from newsroom.errors import ArticleNotFoundError, ArticleWithdrawnError
from projections.article_page import public_page
from projections.documents import Doc
from web import previews
from web.concurrency import blocking
from web.desk import staff_page
from web.edge.cache_policy import story_key
from web.edge.caching import Cached
from web.pages.comment_form import form_token
from web.pages.templates import page
from web.params import int_param, read_your_writes
from web.previews import PREVIEWER
from web.services import Services, services
from web.settings import Site
from web.writes import path_slug

PAGE_UPDATES = 30  # updates on a story's page; older ones are a page of their own (?before=)


def _live_blog(
    article: Doc, body_text: str, site: Site, authors: list[Doc], canonical: str, image: str
) -> dict[str, Any]:
    """schema.org LiveBlogPosting, as Google's live blog guidance asks for it, with the updates as
    BlogPostings (a struck one marked retracted, with the reason as its correction). ``articleBody`` is
    text, as schema.org defines it: the words a reader reads, without markup."""
    people = {author["name"]: _person(author, site) for author in authors}
    byline = list(people.values()) or [{"@type": "Person", "name": article["byline"].get("name")}]
    ended = article.get("coverage_ended_at")
    ongoing_until = datetime.fromisoformat(article["updated_at"]) + COVERAGE_HORIZON
    return {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": canonical,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "headline": article["headline"],
        "description": _description(body_text),
        "inLanguage": site.language,
        "image": [image],
        "datePublished": article["published_at"],
        "dateModified": article["updated_at"],
        "coverageStartTime": article["published_at"],
        # Ended: when it ended; running: the end the coverage is expected at, as Google asks for one.
        "coverageEndTime": ended or ongoing_until.isoformat(),
        "author": byline,
        "publisher": {
            "@type": "Organization",
            "name": site.name,
            "url": site.url,
            "logo": {"@type": "ImageObject", "url": site.logo},
        },
        "articleBody": body_text,
        "keywords": article["tags"],
        "correction": [
            {"@type": "CorrectionComment", "text": correction["note"], "datePublished": correction["at"]}
            for correction in article["corrections"]
        ],
        "liveBlogUpdate": [
            _blog_posting(update, article, canonical, people, byline)
            for update in reversed(article["updates"])
            if not update.get("erased")  # an erased update's words are gone, and so is its posting
        ],
    }


COVERAGE_HORIZON = timedelta(days=1)


def _person(author: Doc, site: Site) -> Doc:
    return {"@type": "Person", "name": author["display_name"], "url": f"{site.url}/authors/{author['name']}"}


def _blog_posting(
    update: Doc, article: Doc, canonical: str, people: dict[str, Doc], byline: list[Doc]
) -> Doc:
    posting: Doc = {
        "@type": "BlogPosting",
        "@id": f"{canonical}#u-{update['id']}",
        "url": f"{canonical}#u-{update['id']}",
        "headline": update["headline"] or update["label"] or article["headline"],
        "articleBody": richtext.plain(update["body"]),
        "datePublished": update["at"],
        "dateModified": update["revised_at"] or update["struck_at"] or update["at"],
        "author": people.get(update["author"])
        or ({"@type": "Person", "name": update["author_name"]} if update["author_name"] else byline[0]),
    }
    if update["struck"]:
        posting["creativeWorkStatus"] = "Retracted"
        posting["correction"] = {
            "@type": "CorrectionComment",
            "text": f"Struck: {update['struck_reason']}",
            "datePublished": update["struck_at"],
        }
    return posting


def _description(body_text: str) -> str:
    text = body_text.replace("\n", " ")
    return text if len(text) <= DESCRIPTION else text[: DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"


DESCRIPTION = 200


def _image(article: Doc, site: Site) -> str:
    """The story's first image embed, or the site's share image."""
    return next((embed["url"] for embed in article["embeds"] if embed["kind"] == "image"), site.image)


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
    site = svc.settings.site
    canonical = f"{site.url}/articles/{article['slug']}"
    image = _image(article, site)
    updates = list(reversed(article["updates"]))  # newest first, as live coverage reads
    top = list(reversed(article["top"])) if "top" in article else updates
    pinned = [update for update in top if update["pinned"]]
    body_text = richtext.plain(article["body"])  # the description and JSON-LD's articleBody
    return {
        "article": article,
        "authors": authors,
        "key_events": [update for update in top if update["key"] and not update["struck"]],
        "pinned": pinned,
        "updates": [update for update in updates if not update["pinned"]],
        "older": article.get("older"),
        "replies": replies_of(article["comments"]),
        "canonical": canonical,
        "image": image,
        "description": _description(body_text),
        "live_blog": _live_blog(article, body_text, site, authors, canonical, image),
    }


async def article_page(request: Request) -> Response:
    """A published story: its newest updates (``PAGE_UPDATES``), or with ``?before=POSITION`` those before
    it, each page linking to the one before; 404 for a story that is not public, 410 for a withdrawn one."""
    return await story_page(request, path_slug(request))


async def story_page(
    request: Request,
    slug: str,
    *,
    comment_error: str | None = None,
    comment_fields: dict[str, str] | None = None,
) -> Response:
    """The story's page; after a comment that could not be taken, with what was wrong beside the form."""
    before = int_param(request, "before", None, low=1)
    svc = services(request)
    await read_your_writes(request, "article-pages")  # ?after=POSITION: after posting a comment
    article = await blocking(svc.read_models.reader_page, slug, before=before, limit=PAGE_UPDATES)
    if article is None or article["status"] == "draft":
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    if article["status"] != "published":
        withdrawn = article.get("withdrawn") or {}
        raise ArticleWithdrawnError(
            f"{slug} was withdrawn", slug=slug, at=withdrawn.get("at"), reason=withdrawn.get("reason")
        )
    cached = None
    if request.method == "GET":
        cached = Cached.of(article["position"], [story_key(slug)], article["updated_at"])
        if (unchanged := cached.unchanged(request)) is not None:
            return unchanged
    context = await _article_context(svc, public_page(article))
    fields = comment_fields or {}
    reply_to = fields.get("reply_to") or request.query_params.get("reply_to") or ""
    response = page(
        request,
        "article.html",
        **context,
        before=before,
        comment_form={
            "token": form_token(svc),
            "error": comment_error,
            "author": fields.get("author", ""),
            "body": fields.get("body", ""),
            "reply_to": reply_to if reply_to.isalnum() else "",
            "held": request.query_params.get("held") == "1",
        },
        reported=request.query_params.get("reported"),
        scripts=["common.js", "reader.js", "verify.js"],
        body_data={"slug": slug, "position": article["position"], "version": article["version"]},
    )
    return response if cached is None else cached.apply(request, response)


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
