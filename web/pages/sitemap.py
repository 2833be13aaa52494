"""The sitemap (``/sitemap.xml``): every published story with when it last changed (``lastmod`` moves with
each update, correction and key event), and for stories published in the last two days the news sitemap's
``news:news`` block that Google News reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from projections.documents import Doc
from web.concurrency import blocking
from web.edge.cache_policy import SITE
from web.edge.caching import Cached
from web.services import services

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
STORIES_MAX = 1000
NEWS_WINDOW = timedelta(days=2)


async def sitemap(request: Request) -> Response:
    svc = services(request)
    site = svc.settings.site
    read_models = svc.read_models

    def read() -> tuple[int, list[Doc]]:
        return read_models.lists_position(), read_models.front_page(limit=STORIES_MAX)

    position, stories = await blocking(read)
    cached = Cached.of(position, [SITE])
    if (unchanged := cached.unchanged(request)) is not None:
        return unchanged
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("news", NEWS)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    recent = datetime.now(UTC) - NEWS_WINDOW
    for story in stories:
        url = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = f"{site.url}/articles/{story['slug']}"
        ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = story["revised_at"] or story["published_at"]
        if story["published_at"] and datetime.fromisoformat(story["published_at"]) >= recent:
            news = ET.SubElement(url, f"{{{NEWS}}}news")
            publication = ET.SubElement(news, f"{{{NEWS}}}publication")
            ET.SubElement(publication, f"{{{NEWS}}}name").text = site.name
            ET.SubElement(publication, f"{{{NEWS}}}language").text = site.language
            ET.SubElement(news, f"{{{NEWS}}}publication_date").text = story["published_at"]
            ET.SubElement(news, f"{{{NEWS}}}title").text = story["headline"]
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return cached.apply(request, Response(body, media_type="application/xml"))
