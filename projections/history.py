"""Events as auditors read them, and an article page as it stood at a version or an instant.

The as-of page is built by the same projection code as the live read model, applied to the article's
events up to that point in memory, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson

from newsroom import Newsroom, rules
from newsroom.article import READER, article_id
from newsroom.errors import ArticleNotFoundError, VersionNotFoundError
from newsroom.positions import positions_of, stored_with_positions
from newsroom.sealing import sealed_key, unseal
from projections.article_page import (
    COMMENT,
    HEADERS,
    ITEMS,
    UPDATE,
    ArticlePageProjection,
    page_header,
    public_comment,
)

if TYPE_CHECKING:
    from projections.article_page_queries import ItemRow
from projections.documents import Doc, MemoryDocuments, Table, iso, micros
from projections.records import Recorded, open_texts, parse_state
from projections.registry import ReadModels

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


Texts = dict[tuple[UUID, int], "dict[str, Any] | None"]


def texts_of(app: Newsroom, events: Iterable[Any]) -> Texts:
    """The sealed text of each event that has some, opened (None where it was erased), by (aggregate id,
    version): one read of the vault for them all."""
    sealed = {
        (event.originator_id, event.originator_version): event.sealed
        for event in events
        if isinstance(getattr(event, "sealed", None), dict)
    }
    keys = app.vault.get_many(name for value in sealed.values() if (name := sealed_key(value)) is not None)
    return {
        point: unseal(value, keys.get(name) if (name := sealed_key(value)) is not None else None)
        for point, value in sealed.items()
    }


_SPECIAL_WORDS: dict[str, Callable[[dict[str, Any]], str]] = {
    "UpdateKeyEventChanged": lambda data: (
        "Marked a key event" if data.get("key_event") else "No longer a key event"
    ),
    "CommentModerationChanged": lambda data: (
        "Pre-moderation " + ("on: new comments wait for approval" if data.get("premoderated") else "off")
    ),
    "Drafted": lambda data: "Drafted",
    "Joined": lambda data: "Joined the staff",
    "Recorded": lambda data: "Request recorded (idempotency key)",
}


def in_words(event_type: str, data: dict[str, Any] | None = None) -> str:
    """An event's type as a sentence: ``Article.UpdatePinned`` -> "Update pinned"."""
    name = event_type.rsplit(".", 1)[-1]
    special = _SPECIAL_WORDS.get(name)
    if special is not None:
        return special(data or {})
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
    return words[:1].upper() + words[1:]


def event_record(event: Any, position: int | None, texts: Texts | None = None) -> Doc:
    """An event as auditors read it. With ``texts`` its sealed text is shown opened (``"erased": true``
    where its key is gone, and a comment's actor is ``reader:<name>``); without, as stored."""
    data = {
        key: "<redacted>" if key in REDACTED_FIELDS else _plain(value)
        for key, value in vars(event).items()
        if key not in HIDDEN_FIELDS
    }
    actor = getattr(event, "actor", None)
    if texts is not None and "sealed" in data:
        del data["sealed"]
        text = texts.get((event.originator_id, event.originator_version))
        if text is None:
            data["erased"] = True
        else:
            data.update(text)
            if actor == READER and "author" in text:
                actor = f"{READER}:{text['author']}"
    kind = event_type(event)
    return {
        "position": position,
        "version": event.originator_version,
        "at": iso(event.timestamp),
        "actor": actor,
        "type": kind,
        "summary": in_words(kind, data),
        "aggregate_id": event.originator_id.hex,
        "data": data,
    }


def article_history(app: Newsroom, slug: str, *, after_version: int, limit: int) -> list[Doc]:
    events = list(app.article_events(slug, after_version=after_version, up_to_version=after_version + limit))
    if not events and after_version == 0:
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    positions = positions_of(
        app.recorder, article_id(slug), after_version=after_version, up_to_version=after_version + limit
    )
    texts = texts_of(app, events)
    return [event_record(event, positions.get(event.originator_version), texts) for event in events]


def event_type(event: Any) -> str:
    """An event's name in records (``Article.HeadlineChanged``): its pinned topic, wherever its class is."""
    return str(type(event).TOPIC).removeprefix("newsroom:")


def as_of_point(value: str, field: str) -> tuple[int | None, datetime | None]:
    """A version number or an RFC 3339 instant with its offset, as (version, moment); ``field`` names the
    input in the error."""
    if value.isdigit():
        return rules.whole_number(field, value), None
    return None, rules.instant(field, value)


def page_as_of(
    app: Newsroom,
    slug: str,
    *,
    version: int | None = None,
    moment: datetime | None = None,
    read_models: ReadModels | None = None,
) -> Doc:
    """The article page as it stood at ``version``, or at the instant ``moment``.

    With ``read_models`` it starts from the newest header checkpoint before that point and the items as
    they stood then, and replays fewer than CHECKPOINT_EVERY events; items the replay does not touch are
    passed through still encoded (as ``orjson.Fragment``: use ``plain_page`` for dicts). Without, it
    replays every event: the reference the fast path is tested against.
    """
    key = article_id(slug).hex
    start = None
    if read_models is not None:
        start = read_models.page_checkpoint(
            key, version=version, at_us=micros(moment) if moment is not None else None
        )
    since = start[0] if start else 0
    bound = version
    if bound is None and read_models is not None:
        bound = read_models.next_page_checkpoint(key, since)
    stored = stored_with_positions(app.recorder, article_id(slug), after_version=since, up_to_version=bound)
    events = [
        Recorded(position, key, version, topic, state, parse_state(app.mapper, state))
        for position, version, topic, state in stored
    ]
    open_texts(events, app.vault)
    if not events and start is None:
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    if moment is not None:
        events = [event for event in events if datetime.fromisoformat(event.at) <= moment]
        if not events and start is None:
            raise VersionNotFoundError(f"{slug} did not exist yet at {iso(moment)}")
    last = events[-1].originator_version if events else since
    if version is not None and last != version:
        raise VersionNotFoundError(f"{slug} has versions 1 to {last}, not {version}", latest_version=last)
    docs = _AsOfDocuments()
    at = events[-1].at if events else ""
    if start is not None and read_models is not None:
        at = at or start[1]["at"]
        docs.put(HEADERS, key, start[1]["header"])
        docs.stored = read_models.page_items_as_of(key, since)
    ArticlePageProjection().apply(docs, events)
    header = docs.get(HEADERS, key)
    assert header is not None
    page = _render(header, docs)
    page["as_of"] = {"version": last, "at": at}
    return page


def plain_page(page: Doc) -> Doc:
    """An as-of page with its still-encoded items decoded."""
    plain: Doc = orjson.loads(orjson.dumps(page))
    return plain


class _AsOfDocuments(MemoryDocuments):
    """Page documents over the items as they stood at a checkpoint, decoded only if the replay asks.

    What the replay would tell live readers is no part of a page as it stood, so it is not kept."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, ItemRow] = {}

    def select(self, table: Table, column: str, value: Any) -> list[Doc]:
        return []

    def announce(self, message: Doc, *, story_previous: int = 0, site_previous: int = 0) -> None:
        pass

    def get(self, table: Table, key: str) -> Doc | None:
        found = super().get(table, key)
        if found is None and table is ITEMS and key in self.stored:
            _, kind, position, shown, _, raw = self.stored[key]
            found = orjson.loads(raw)
            if kind == COMMENT:
                found["hidden"] = not shown
            self.put(ITEMS, key, found, kind=kind, position=position)
        return found


def _render(header: Doc, docs: _AsOfDocuments) -> Doc:
    """What ``render_page`` makes: stored items in their (position) order, passed through still encoded
    unless the replay changed them, then the items the replay created, which all came later."""
    decoded = {doc["id"]: (doc, columns["kind"]) for doc, columns in docs.all(ITEMS)}
    made = sorted(
        (key for key in decoded if key not in docs.stored), key=lambda key: decoded[key][0]["position"]
    )
    updates: list[Any] = []
    comments: list[Any] = []
    pinned: list[str] = []
    for key in [*docs.stored, *made]:
        body: Any
        if key in decoded:
            doc, kind = decoded[key]
            shown, is_pinned = kind == UPDATE or not doc["hidden"], kind == UPDATE and doc["pinned"]
            body = doc if kind == UPDATE else public_comment(doc)
        else:
            _, kind, _, shown, is_pinned, raw = docs.stored[key]
            body = orjson.Fragment(raw)
        if kind == UPDATE:
            updates.append(body)
            if is_pinned:
                pinned.append(key)
        elif shown:
            comments.append(body)
    return {**page_header(header), "pinned": pinned, "updates": updates, "comments": comments}
