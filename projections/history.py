"""Events as auditors read them, and an article page as it stood at a version or an instant.

The as-of page is built by the same projection code as the live read model, applied to the article's
events up to that point in memory, so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from newsroom import Newsroom
from newsroom.article import article_id
from newsroom.errors import ArticleNotFoundError, VersionNotFoundError
from newsroom.positions import positions_of
from projections.article_page import ARTICLES, ITEMS, ArticlePageProjection, render_page
from projections.documents import Doc, MemoryDocuments, Positioned, iso

HIDDEN_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "actor", "originator_topic"})
REDACTED_FIELDS = frozenset({"token_hash"})  # not a secret, but nobody reading history needs it


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def event_record(event: Any, position: int | None) -> Doc:
    return {
        "position": position,
        "version": event.originator_version,
        "at": iso(event.timestamp),
        "actor": getattr(event, "actor", None),
        "type": type(event).__qualname__,
        "aggregate_id": event.originator_id.hex,
        "data": {
            key: "<redacted>" if key in REDACTED_FIELDS else _plain(value)
            for key, value in vars(event).items()
            if key not in HIDDEN_FIELDS
        },
    }


def article_history(app: Newsroom, slug: str, *, after_version: int, limit: int) -> list[Doc]:
    events = list(app.article_events(slug, after_version=after_version, up_to_version=after_version + limit))
    if not events and after_version == 0:
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    positions = positions_of(
        app.recorder, article_id(slug), after_version=after_version, up_to_version=after_version + limit
    )
    return [event_record(event, positions.get(event.originator_version)) for event in events]


def page_as_of(
    app: Newsroom, slug: str, *, version: int | None = None, moment: datetime | None = None
) -> Doc:
    """The article page as it stood at ``version``, or at the instant ``moment``."""
    events = list(app.article_events(slug, up_to_version=version))
    if not events:
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    if moment is not None:
        events = [event for event in events if event.timestamp <= moment]
        if not events:
            raise VersionNotFoundError(f"{slug} did not exist yet at {iso(moment)}")
    last = events[-1].originator_version
    if version is not None and last != version:
        raise VersionNotFoundError(f"{slug} has versions 1 to {last}, not {version}", latest_version=last)
    positions = positions_of(app.recorder, article_id(slug), up_to_version=last)
    docs = MemoryDocuments()
    projection = ArticlePageProjection()
    for event in events:
        projection.apply(docs, Positioned(positions.get(event.originator_version, 0), event))
    header = docs.get(ARTICLES, article_id(slug).hex)
    assert header is not None
    items = sorted(docs.all(ITEMS), key=lambda row: row[1]["position"])
    page = render_page(header, [(columns["kind"], doc) for doc, columns in items])
    page["as_of"] = {"version": last, "at": iso(events[-1].timestamp)}
    return page
