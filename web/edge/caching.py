"""What a shared cache (nginx, Varnish, a CDN) may keep of readers' reads, and for how long.

A public read says which position of the log it shows (its validator: ``ETag`` and, where it has one, a
``Last-Modified``), which stories and lists it shows (``Surrogate-Key`` for Fastly and Varnish, the same as
``Cache-Tag`` for Cloudflare-like caches), and how long a shared cache may keep it
(``web.edge.cache_policy``): long where the projector purges it on every change (``web.edge.purge``),
one second where nothing does (no purger is configured, or the purger reaches URLs only and this one has a
query string). Browsers always revalidate
(``max-age=0``), which a cache answers from what it keeps with a 304. So a hidden, erased or withdrawn item
leaves every cache within a second of its event: purged at once, or expired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from starlette.requests import Request
from starlette.responses import Response

from web.edge.cache_policy import CachePolicy


def etag_of(position: int) -> str:
    """The validator of a read that shows the log up to ``position`` (weak: caches may compress it)."""
    return f'W/"{position}"'


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110's weak comparison of ``If-None-Match`` (a list, or ``*``) with our validator."""
    if if_none_match.strip() == "*":
        return True
    mine = _opaque(etag)
    return any(_opaque(tag) == mine for tag in if_none_match.split(","))


@dataclass(frozen=True)
class Cached:
    """A public read's caching: the position it shows, what it shows, and when that last changed."""

    position: int
    keys: tuple[str, ...]
    modified: str | None = None  # ISO time of the last change it shows
    etag: str = ""  # a validator of its own (an article's version, which If-Match takes); else the position's

    @classmethod
    def of(cls, position: int, keys: Iterable[str], modified: str | None = None, etag: str = "") -> Cached:
        # A key from what a reader asked for (?tag=) may be anything; real ones are ASCII words, and a
        # header carries nothing else.
        fit = (
            key for key in keys if key.isascii() and key.isprintable() and " " not in key and "," not in key
        )
        return cls(position, tuple(dict.fromkeys(fit)), modified, etag or etag_of(position))

    def headers(self, request: Request) -> dict[str, str]:
        policy: CachePolicy = request.state.services.settings.cache_policy
        keys = " ".join(self.keys)
        headers = {
            "ETag": self.etag,
            "Cache-Control": policy.cache_control(bool(request.url.query)),
            "Surrogate-Key": keys,
            "Cache-Tag": ",".join(self.keys),
        }
        if self.modified:
            headers["Last-Modified"] = format_datetime(
                datetime.fromisoformat(self.modified).astimezone(UTC), usegmt=True
            )
        return headers

    def unchanged(self, request: Request) -> Response | None:
        """A 304 when the reader already has this (``If-None-Match``), before anything is rendered."""
        asked = request.headers.get("if-none-match")
        if asked is None or not matches(asked, self.etag):
            return None
        return Response(status_code=304, headers=self.headers(request))

    def apply(self, request: Request, response: Response) -> Response:
        response.headers.update(self.headers(request))
        return response
