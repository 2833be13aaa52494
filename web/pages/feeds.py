"""Atom (RFC 4287) and JSON Feed 1.1, for the whole site and for each story.

The site feed has one entry per story, whose ``updated`` time moves whenever an update or a correction
lands, so feed readers show the story again. A story's feed has one entry per update (struck ones marked
as struck, with the reason) and one per correction.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from newsroom import richtext
from newsroom.errors import ArticleNotFoundError
from projections.documents import Doc
from web.concurrency import blocking
from web.edge.cache_policy import SITE, author_key, story_key, tag_key
from web.edge.caching import Cached
from web.http import JSON
from web.pages.lists import author_profile, tag_of, with_bylines
from web.services import services
from web.settings import Site
from web.writes import path_slug

ATOM = "http://www.w3.org/2005/Atom"
# The audit log's signed head, carried by every feed so that feed readers and archives keep copies of it.
AUDIT = "urn:x-newsroom:audit"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ENTRIES_MAX = 100
EPOCH = "1970-01-01T00:00:00+00:00"


def _site_entries(stories: list[Doc], base: str) -> list[Doc]:
    entries = []
    for story in stories:
        latest = story.get("latest_update") or {}
        summary = f"{latest.get('label') or 'Latest'}: {latest['excerpt']}" if latest else story["headline"]
        entries.append(
            {
                "id": f"{base}/articles/{story['slug']}",
                "title": story["headline"],
                "url": f"{base}/articles/{story['slug']}",
                "published": story["published_at"] or EPOCH,
                "updated": story.get("revised_at") or story["published_at"] or EPOCH,
                "author": story.get("byline_names") or story["byline"],
                "text": summary,
                "tags": story["tags"],
            }
        )
    return entries


def _story_entries(article: Doc, base: str) -> list[Doc]:
    url = f"{base}/articles/{article['slug']}"
    entries = []
    byline = article["byline"].get("name")
    for update in article["updates"][-ENTRIES_MAX:]:
        if update.get("erased"):
            continue
        struck = update["struck"]
        # The same HTML as the page shows (rendered once, by the projector).
        html = update["body_html"] + (f"<p>Struck: {escape(update['struck_reason'])}</p>" if struck else "")
        title = update["headline"] or update["label"] or richtext.plain(update["body"])[:80]
        entries.append(
            {
                "id": f"{url}#u-{update['id']}",
                "title": f"[Struck] {title}" if struck else title,
                "url": f"{url}#u-{update['id']}",
                "published": update["at"],
                "updated": max(filter(None, (update["at"], update["revised_at"], update["struck_at"]))),
                "author": update["author_name"] or byline,
                "html": html,
                "tags": ["struck"] if struck else [],
            }
        )
    for correction in article["corrections"]:
        entries.append(
            {
                "id": f"{url}#correction-{correction['version']}",
                "title": f"Correction: {article['headline']}",
                "url": url,
                "published": correction["at"],
                "updated": correction["at"],
                "author": byline,
                "html": f"<p>{escape(correction['note'])}</p>",
                "tags": ["correction"],
            }
        )
    entries.sort(key=lambda entry: entry["updated"], reverse=True)
    return entries


def _atom(feed: Feed, entries: list[Doc]) -> Response:
    ET.register_namespace("", ATOM)
    ET.register_namespace("audit", AUDIT)
    root = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: feed.site.language})

    def add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        if text is not None:
            element.text = text
        return element

    add(root, "id", feed.url("atom"))
    add(root, "title", feed.title)
    add(root, "updated", max((e["updated"] for e in entries), default=datetime.now(UTC).isoformat()))
    add(root, "link", rel="self", href=feed.url("atom"), type="application/atom+xml")
    add(root, "link", rel="alternate", href=feed.page, type="text/html")
    add(add(root, "author"), "name", feed.site.name)
    add(root, "logo", feed.site.logo)
    if feed.tree_head is not None:
        head = feed.tree_head
        ET.SubElement(
            root,
            f"{{{AUDIT}}}tree-head",
            {
                name.replace("_", "-"): str(head[name])
                for name in ("tree_size", "root_hash", "last_position", "timestamp", "signature", "key_id")
                if head.get(name) is not None
            }
            | {"about": f"{feed.site.url}/verify"},
        )
    for entry in entries:
        node = add(root, "entry")
        add(node, "id", entry["id"])
        add(node, "title", entry["title"])
        add(node, "link", rel="alternate", href=entry["url"], type="text/html")
        add(node, "published", entry["published"])
        add(node, "updated", entry["updated"])
        if entry["author"]:
            add(add(node, "author"), "name", entry["author"])
        for tag in entry["tags"]:
            add(node, "category", term=tag)
        if "html" in entry:
            add(node, "content", entry["html"], type="html")
        else:
            add(node, "content", entry["text"], type="text")
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _json_feed(feed: Feed, entries: list[Doc]) -> Response:
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.page,
        "feed_url": feed.url("json"),
        "language": feed.site.language,
        "icon": feed.site.logo,
        "items": [
            {
                "id": entry["id"],
                "url": entry["url"],
                "title": entry["title"],
                **({"content_html": entry["html"]} if "html" in entry else {"content_text": entry["text"]}),
                "date_published": entry["published"],
                "date_modified": entry["updated"],
                **({"authors": [{"name": entry["author"]}]} if entry["author"] else {}),
                **({"tags": entry["tags"]} if entry["tags"] else {}),
            }
            for entry in entries
        ],
    }
    if feed.tree_head is not None:
        document["_newsroom_audit"] = {"about": f"{feed.site.url}/verify", "tree_head": feed.tree_head}
    return JSON(document, media_type="application/feed+json")


@dataclass(frozen=True)
class Feed:
    """A feed's title, the page it follows, and where it is (``{path}.atom``, ``{path}.json``)."""

    site: Site
    title: str
    page: str
    path: str
    tree_head: dict[str, Any] | None = None

    def url(self, kind: str) -> str:
        return f"{self.site.url}{self.path}.{kind}"


async def _answer(request: Request, kind: str, feed: Feed, entries: list[Doc], cached: Cached) -> Response:
    if (unchanged := cached.unchanged(request)) is not None:
        return unchanged
    head = await services(request).tree_heads.head()
    feed = replace(feed, tree_head=head)
    return cached.apply(request, _atom(feed, entries) if kind == "atom" else _json_feed(feed, entries))


async def _list_feed(
    request: Request, kind: str, *, tag: str | None = None, author: str | None = None
) -> Response:
    svc = services(request)
    site = svc.settings.site
    key = SITE
    if tag is not None:
        feed = Feed(site, f"{site.name}: {tag}", f"{site.url}/tags/{tag}", f"/tags/{tag}/feed")
        key = tag_key(tag)
    elif author is not None:
        profile = await author_profile(svc.read_models, author)
        name = profile["name"]
        feed = Feed(
            site,
            f"{site.name}: {profile['display_name']}",
            f"{site.url}/authors/{name}",
            f"/authors/{name}/feed",
        )
        key = author_key(name)
    else:
        feed = Feed(site, site.name, f"{site.url}/", "/feed")
    read_models = svc.read_models

    def read() -> tuple[int, list[Doc]]:
        position = read_models.lists_position()
        stories = read_models.front_page(limit=ENTRIES_MAX, tag=tag, author=author)
        return position, with_bylines(read_models, stories)

    position, stories = await blocking(read)
    cached = Cached.of(position, [key])
    return await _answer(request, kind, feed, _site_entries(stories, site.url), cached)


async def site_atom(request: Request) -> Response:
    return await _list_feed(request, "atom")


async def site_json(request: Request) -> Response:
    return await _list_feed(request, "json")


async def tag_atom(request: Request) -> Response:
    return await _list_feed(request, "atom", tag=tag_of(request.path_params["tag"]))


async def tag_json(request: Request) -> Response:
    return await _list_feed(request, "json", tag=tag_of(request.path_params["tag"]))


async def author_atom(request: Request) -> Response:
    return await _list_feed(request, "atom", author=request.path_params["name"])


async def author_json(request: Request) -> Response:
    return await _list_feed(request, "json", author=request.path_params["name"])


async def _story_feed(request: Request, kind: str) -> Response:
    svc = services(request)
    slug = path_slug(request)
    article = await blocking(svc.read_models.reader_page, slug, limit=ENTRIES_MAX)
    if article is None or article["status"] != "published":
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    site = svc.settings.site
    url = f"{site.url}/articles/{slug}"
    feed = Feed(site, article["headline"], url, f"/articles/{slug}/feed")
    cached = Cached.of(article["position"], [story_key(slug)], article["updated_at"])
    return await _answer(request, kind, feed, _story_entries(article, site.url), cached)


async def story_atom(request: Request) -> Response:
    return await _story_feed(request, "atom")


async def story_json(request: Request) -> Response:
    return await _story_feed(request, "json")
