"""Atom (RFC 4287) and JSON Feed 1.1, for the whole site and for each story.

The site feed has one entry per story, whose ``updated`` time moves whenever an update or a correction
lands, so feed readers show the story again. A story's feed has one entry per update (struck ones marked
as struck, with the reason) and one per correction.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from newsroom import richtext
from projections.documents import Doc
from web.concurrency import blocking
from web.http import JSON
from web.params import published_page
from web.services import services

ATOM = "http://www.w3.org/2005/Atom"
SITE_TITLE = "Newsroom"
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
                "author": story["byline"],
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


def _atom(title: str, self_url: str, page_url: str, entries: list[Doc]) -> Response:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        if text is not None:
            element.text = text
        return element

    add(feed, "id", self_url)
    add(feed, "title", title)
    add(feed, "updated", max((e["updated"] for e in entries), default=datetime.now(UTC).isoformat()))
    add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    add(feed, "link", rel="alternate", href=page_url, type="text/html")
    add(add(feed, "author"), "name", SITE_TITLE)
    for entry in entries:
        node = add(feed, "entry")
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
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _json_feed(title: str, self_url: str, page_url: str, entries: list[Doc]) -> Response:
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": page_url,
        "feed_url": self_url,
        "language": "en",
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
    return JSON(feed, media_type="application/feed+json")


async def _site(request: Request) -> tuple[str, list[Doc]]:
    base = services(request).settings.site_url
    stories = await blocking(services(request).read_models.front_page, limit=ENTRIES_MAX)
    return base, _site_entries(stories, base)


async def _story(request: Request) -> tuple[str, Doc, list[Doc]]:
    _, article = await published_page(request)
    base = services(request).settings.site_url
    return base, article, _story_entries(article, base)


async def site_atom(request: Request) -> Response:
    base, entries = await _site(request)
    return _atom(SITE_TITLE, f"{base}/feed.atom", f"{base}/", entries)


async def site_json(request: Request) -> Response:
    base, entries = await _site(request)
    return _json_feed(SITE_TITLE, f"{base}/feed.json", f"{base}/", entries)


async def story_atom(request: Request) -> Response:
    base, article, entries = await _story(request)
    url = f"{base}/articles/{article['slug']}"
    return _atom(article["headline"], f"{url}/feed.atom", url, entries)


async def story_json(request: Request) -> Response:
    base, article, entries = await _story(request)
    url = f"{base}/articles/{article['slug']}"
    return _json_feed(article["headline"], f"{url}/feed.json", url, entries)
