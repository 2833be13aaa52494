"""Purging shared caches when a story changes: behind one small interface, chosen by settings.

The projector calls ``purge`` with the surrogate keys a batch touched (``web.edge.caching``) after the
batch commits and before its live messages go out, so a reader told of a change and reloading gets the new
page. A purger never raises: a cache it cannot reach keeps what it has for ``NEWSROOM_CACHE_SECONDS`` at
most, and is logged.

- ``nginx+http://HOST:PORT``: nginx with ngx_cache_purge (Debian's libnginx-mod-http-cache-purge), which
  purges one cache key (URL) per request, so each key is turned into the canonical URLs that show it
  (``deploy/nginx.conf`` caches only URLs without a query string, and answers ``PURGE /_purge/<path>``).
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterator, Sequence
from typing import Protocol
from urllib.parse import urlsplit

import orjson

from newsroom.errors import ValidationError
from projections import live_kinds
from projections.documents import TimelineItem
from web.edge.cache_policy import SITE, author_key, story_key, tag_key
from web.metrics import EDGE_PUBLISHES

log = logging.getLogger("newsroom.edge")

PURGE_TIMEOUT_SECONDS = 2.0


class Purger(Protocol):
    # True: every URL that carries a key goes with it (Fastly, Varnish); False: only the canonical URLs
    # (nginx), so URLs with a query string must not be kept long.
    purges_every_variant: bool

    def purge(self, keys: Collection[str]) -> None: ...

    def close(self) -> None: ...


def urls_of(key: str) -> Iterator[str]:
    """The canonical URLs (no query string) that carry a surrogate key."""
    if key == SITE:
        yield from ("/", "/feed.atom", "/feed.json", "/sitemap.xml", "/api/articles")
        return
    kind, _, name = key.partition(":")
    if kind == "story":
        yield from (f"/articles/{name}", f"/articles/{name}/feed.atom", f"/articles/{name}/feed.json")
        yield f"/api/articles/{name}"
    elif kind in ("tag", "author"):
        base = f"/{kind}s/{name}"
        yield from (base, f"{base}/feed.atom", f"{base}/feed.json")


class NginxPurger:
    """``PURGE /_purge<url>`` for each URL, over one kept-alive connection per cache."""

    purges_every_variant = False

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        if parts.scheme != "http" or not parts.hostname:
            raise ValidationError("NEWSROOM_PURGE_URL", "an nginx cache is nginx+http://HOST:PORT")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self.purged = 0  # URLs the cache held and let go (a 404 is a URL it did not hold)

    def purge(self, keys: Collection[str]) -> None:
        urls = [url for key in keys for url in urls_of(key)]
        with self._lock:
            try:
                for url in urls:
                    self._purge_one(url)
            except (OSError, http.client.HTTPException) as error:
                self._drop()
                EDGE_PUBLISHES.labels("purge", "failed").inc()
                log.warning("could not purge %s:%s (%s); it keeps pages until they expire", *self._at, error)
            else:
                EDGE_PUBLISHES.labels("purge", "ok").inc()

    @property
    def _at(self) -> tuple[str, int]:
        return self._host, self._port

    def _purge_one(self, url: str) -> None:
        for attempt in (1, 2):  # a kept-alive connection the cache closed meanwhile: once more, afresh
            connection = self._connection or http.client.HTTPConnection(
                self._host, self._port, timeout=PURGE_TIMEOUT_SECONDS
            )
            self._connection = connection
            try:
                connection.request("PURGE", f"/_purge{url}")
                response = connection.getresponse()
                response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self._drop()
                if attempt == 2:
                    raise
                continue
            if response.status == 200:
                self.purged += 1
            elif response.status != 404:
                log.warning("purging %s answered %s", url, response.status)
            return

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self._drop()


def purgers_for(urls: Collection[str]) -> list[Purger]:
    """The purgers of ``NEWSROOM_PURGE_URL`` (comma-separated), checked: a malformed one raises
    ValidationError naming the setting."""
    purgers: list[Purger] = []
    for url in urls:
        kind, plus, rest = url.partition("+")
        if not plus or kind != "nginx":
            raise ValidationError(
                "NEWSROOM_PURGE_URL", f"takes nginx+http://HOST:PORT (comma-separated), not {url!r}"
            )
        purgers.append(NginxPurger(rest))
    return purgers


class Labels(Protocol):
    def labels(self, slugs: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]: ...


# Kinds that change a story's topics: the topic the message names is purged too.
TAG_KINDS = frozenset(kind.name for kind in live_kinds.KINDS if kind.action == "tags")


class PurgeOnChange:
    """A projector's listener: after each batch, every cache lets go of what shows the stories it changed
    (their pages and feeds, their topics' and authors' lists, the site's lists). The topics and authors a
    story had before the batch are remembered (for the most recent ``remembered`` stories), so a list it
    just left is purged too."""

    def __init__(self, purgers: Sequence[Purger], read_models: Labels, remembered: int = 10_000) -> None:
        self._purgers = tuple(purgers)
        self._read_models = read_models
        self._known: OrderedDict[str, tuple[list[str], list[str]]] = OrderedDict()
        self._remembered = remembered

    def keys_of(self, items: Sequence[TimelineItem]) -> set[str]:
        slugs = sorted({item.slug for item in items})
        try:
            now = self._read_models.labels(slugs)
        except Exception as error:  # the store may be down: the stories' own keys and the site's still go
            log.warning("could not read the changed stories' topics and authors (%s)", error)
            now = {}
        keys = {SITE}
        for slug in slugs:
            keys.add(story_key(slug))
            before = self._known.pop(slug, ([], []))
            tags, authors = now.get(slug, before)
            keys.update(tag_key(tag) for tag in {*before[0], *tags})
            keys.update(author_key(name) for name in {*before[1], *authors})
            self._known[slug] = (tags, authors)
        while len(self._known) > self._remembered:
            self._known.popitem(last=False)
        for item in items:
            if item.kind in TAG_KINDS:
                keys.add(tag_key(str(orjson.loads(item.data)["tag"])))
        return keys

    def __call__(self, items: list[TimelineItem], previous: int | None) -> None:
        keys = self.keys_of(items)
        for purger in self._purgers:
            purger.purge(keys)

    def close(self) -> None:
        for purger in self._purgers:
            purger.close()
