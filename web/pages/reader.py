"""The reader page of a story and the front page: complete without JavaScript, live with it.

The page says which position it reflects (``data-position``); ``/static/reader.js`` opens the story's SSE
feed after that position, so nothing between rendering and subscribing is missed, and renders each message
with DOM methods (text only, never HTML from the feed).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from projections.documents import Doc
from web.concurrency import blocking
from web.pages.html import esc, json_ld, page, paragraphs, when
from web.params import published_page
from web.services import services

FRONT_PAGE_SIZE = 30


def update_item(update: Doc) -> str:
    classes = " ".join(
        c for c in ("update", "struck" if update["struck"] else "", "pinned" if update["pinned"] else "") if c
    )
    label = f'<strong class="label">{esc(update["label"])}</strong> ' if update["label"] else ""
    revised = (
        f'<p class="revision">Revised {when(update["revised_at"])}'
        + (f": {esc(update['revision_note'])}" if update["revision_note"] else "")
        + "</p>"
        if update["revised_at"]
        else ""
    )
    struck = (
        f'<p class="struck-reason">Struck {when(update["struck_at"])}: {esc(update["struck_reason"])}</p>'
        if update["struck"]
        else ""
    )
    return (
        f'<li id="u-{esc(update["id"])}" class="{classes}" data-position="{update["position"]}">'
        f'<p class="meta">{when(update["at"])} {label}</p>'
        f'<div class="update-body">{paragraphs(update["body"])}</div>{revised}{struck}</li>'
    )


def comment_item(comment: Doc, replies: dict[str | None, list[Doc]]) -> str:
    children = "".join(comment_item(reply, replies) for reply in replies.get(comment["id"], []))
    return (
        f'<li id="c-{esc(comment["id"])}" class="comment">'
        f'<p class="meta"><b class="author">{esc(comment["author"])}</b> {when(comment["at"])}</p>'
        f'<div class="comment-body">{paragraphs(comment["body"])}</div>'
        f'<ol class="replies">{children}</ol></li>'
    )


def embed_figure(embed: Doc) -> str:
    url = esc(embed["url"])
    caption = f"<figcaption>{esc(embed['caption'])}</figcaption>" if embed["caption"] else ""
    if embed["kind"] == "map" and embed["url"].startswith("https://www.openstreetmap.org/export/embed.html"):
        media = f'<iframe src="{url}" title="Map" loading="lazy"></iframe>'
    elif embed["kind"] == "image":
        media = f'<img src="{url}" alt="{esc(embed["caption"] or "")}">'
    else:
        media = f'<a href="{url}" rel="noopener">{esc(embed["kind"])}: {url}</a>'
    return f'<figure id="e-{esc(embed["id"])}" class="embed {esc(embed["kind"])}">{media}{caption}</figure>'


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


def render_article(article: Doc, base: str) -> str:
    updates = list(reversed(article["updates"]))  # newest first, as live coverage reads
    pinned = [u for u in updates if u["pinned"]]
    replies: dict[str | None, list[Doc]] = {}
    visible = {comment["id"] for comment in article["comments"]}
    for comment in article["comments"]:
        parent = comment["reply_to"] if comment["reply_to"] in visible else None
        replies.setdefault(parent, []).append(comment)
    byline = article["byline"]
    bio = f' <span class="bio">{esc(byline.get("bio"))}</span>' if byline.get("bio") else ""
    corrections = "".join(
        f'<p class="correction"><b>Correction</b> {when(c["at"])}: {esc(c["note"])}</p>'
        for c in article["corrections"]
    )
    related = "".join(
        f'<li><a href="{esc(link["url"])}">{esc(link["title"])}</a></li>' for link in article["related"]
    )
    closed = "" if article["comments_open"] else "Comments are closed."
    thread = "".join(comment_item(comment, replies) for comment in replies.get(None, []))
    count = len(article["comments"])
    return (
        f'<article id="story" class="story">'
        f'<p id="status-banner" class="banner" hidden></p>'
        f'<h1 id="headline">{esc(article["headline"])}</h1>'
        f'<p class="byline">By <span class="name">{esc(byline.get("name"))}</span>{bio}'
        f" · first published {when(article['published_at'])}</p>"
        f'<ul id="tags" class="tags">{"".join(f"<li>{esc(tag)}</li>" for tag in article["tags"])}</ul>'
        f'<section id="embeds">{"".join(embed_figure(e) for e in article["embeds"])}</section>'
        f'<div id="body" class="body">{paragraphs(article["body"])}</div>'
        f'<aside id="corrections">{corrections}</aside>'
        f'<section class="live"><h2>Live updates <span id="live-state" class="live-state"></span></h2>'
        f'<ol id="pinned" class="updates pinned-list">{"".join(update_item(u) for u in pinned)}</ol>'
        f'<ol id="updates" class="updates">{"".join(update_item(u) for u in updates if not u["pinned"])}</ol>'
        f"</section>"
        f'<section class="related"><h2>Related</h2><ul id="related">{related}</ul></section>'
        f'<section class="comments"><h2>Comments (<span id="comment-count">{count}</span>)</h2>'
        f'<p id="comments-closed" class="note">{closed}</p>'
        f'<ol id="comments" class="comment-list">{thread}</ol>'
        f"</section></article>"
    )


async def article_page(request: Request) -> Response:
    slug, article = await published_page(request)
    base = services(request).settings.site_url
    return page(
        article["headline"],
        render_article(article, base),
        scripts=["common.js", "reader.js"],
        head=json_ld(_live_blog(article, base))
        + f'<link rel="alternate" type="application/atom+xml" href="/articles/{esc(slug)}/feed.atom">',
        body_data={"slug": slug, "position": article["position"], "version": article["version"]},
    )


def story_card(summary: Doc) -> str:
    latest = summary.get("latest_update") or {}
    excerpt = (
        f'<p class="excerpt">{esc(latest.get("label") or "")} {esc(latest.get("excerpt"))}</p>'
        if latest
        else ""
    )
    return (
        f'<li class="story-card" data-slug="{esc(summary["slug"])}">'
        f'<a href="/articles/{esc(summary["slug"])}"><h2>{esc(summary["headline"])}</h2></a>'
        f'<p class="meta">{esc(summary["byline"] or "")} · updated {when(summary["last_activity_at"])} · '
        f"{summary['update_count']} updates · {summary['comment_count']} comments</p>{excerpt}</li>"
    )


async def front_page(request: Request) -> Response:
    stories = await blocking(services(request).read_models.front_page, limit=FRONT_PAGE_SIZE)
    items = "".join(story_card(story) for story in stories) or '<li class="empty">No stories yet.</li>'
    return page(
        "Newsroom",
        f'<h1 class="front">Latest</h1><ol id="stories" class="stories">{items}</ol>',
        scripts=["common.js", "front.js"],
    )
