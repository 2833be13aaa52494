"""Search: a document per story and per update, its text in the backend's full-text index.

A story's document holds its headline and its body as text; an update's its headline, label and body. Readers
find a document only while it is public (``public``: the story is published, the update released and not
struck); staff find drafts and scheduled ones too (``web.search`` decides, by the documents' own word).

Tables:
  search_docs  one row per story and per update: its article, kind, position (what ``before`` counts), whether
               it is public, the story's tags (`` tag1 tag2 ``) and the text the index holds
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from newsroom import richtext
from newsroom.article import Article
from newsroom.article_events import PUBLISHED
from projections.documents import Column, Doc, Documents, EventByEvent, Table
from projections.records import Recorded

# PostgreSQL's text search configuration for the index and the queries: stems English, drops stop words.
TEXT_SEARCH: Final = "english"
# Stands for "<" in the searched text: PostgreSQL's parser takes "<b>" for a tag and ts_headline drops it, so
# "signs reading <b>" would come back "signs reading". A control character no stored text can hold
# (``newsroom.rules`` refuses them), and a word separator to both backends.
LESS_THAN: Final = "\x03"

DOCS: Final = Table(
    "search_docs",
    columns=(
        Column("article", "text"),
        Column("kind", "text"),
        Column("position", "int"),
        Column("public", "bool"),
        Column("tags", "text"),
        Column("body", "text"),
    ),
    indexes=(("article",), ("position",)),
    search="body",
)

STORY: Final = "story"
UPDATE: Final = "update"
DRAFTED: Final = Article.Drafted.TOPIC
# Events that change every document of a story: who may find them, the tags, the story's headline.
WHOLE_STORY: Final = frozenset(
    event.TOPIC
    for event in (
        Article.Published,
        Article.Unpublished,
        Article.PublicationScheduled,
        Article.PublicationUnscheduled,
        Article.Embargoed,
        Article.HeadlineChanged,
        Article.Tagged,
        Article.Untagged,
    )
)
UPDATE_TOPICS: Final = frozenset(
    event.TOPIC
    for event in (
        Article.UpdateAppended,
        Article.UpdateReleased,
        Article.UpdateRevised,
        Article.UpdateStruck,
        Article.UpdateErased,
    )
)


def _text(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


class SearchProjection(EventByEvent):
    name = "search"
    version = 2
    tables = (DOCS,)
    topics = frozenset({DRAFTED, Article.BodyRevised.TOPIC} | WHOLE_STORY | UPDATE_TOPICS)

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        if event.topic != DRAFTED:
            yield DOCS, event.originator_id
        if (update := event.data.get("update_id")) is not None:
            yield DOCS, update["_data_"]

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        article, topic, data = event.originator_id, event.topic, event.data
        if topic == DRAFTED:
            story = {
                "kind": STORY,
                "id": article,
                "article": article,
                "slug": data["slug"],
                "story_headline": data["headline"],
                "headline": data["headline"],
                "status": "draft",
                "embargo_staff": [],
                "tags": list(data["tags"]),
                "at": event.at,
                "position": event.position,
                "body_text": richtext.plain(data["body"]),
            }
            _put(docs, story)
            return
        found = docs.get(DOCS, article)
        if found is None:  # pragma: no cover - the log always starts an article with Drafted
            return
        if topic in WHOLE_STORY:
            self._whole_story(docs, found, event)
        elif topic == Article.BodyRevised.TOPIC:
            found["body_text"] = richtext.plain(data["body"])
            _put(docs, found)
        else:
            self._update(docs, found, event)

    @staticmethod
    def _whole_story(docs: Documents, story: Doc, event: Recorded) -> None:
        topic, data = event.topic, event.data
        changed: dict[str, Any] = {}
        if topic == Article.Published.TOPIC:
            changed = {"status": PUBLISHED, "embargo_staff": []}
        elif topic == Article.Unpublished.TOPIC:
            changed = {"status": "withdrawn"}
        elif topic in (Article.PublicationScheduled.TOPIC, Article.PublicationUnscheduled.TOPIC):
            changed = {"embargo_staff": []}
        elif topic == Article.Embargoed.TOPIC:
            changed = {"embargo_staff": list(data["staff"])}
        elif topic == Article.HeadlineChanged.TOPIC:
            changed = {"story_headline": data["headline"]}
            story["headline"] = data["headline"]
        elif topic == Article.Tagged.TOPIC:
            changed = {"tags": [*story["tags"], data["tag"]]}
        else:  # untagged
            changed = {"tags": [tag for tag in story["tags"] if tag != data["tag"]]}
        for doc in [story, *(d for d in docs.select(DOCS, "article", story["id"]) if d["kind"] == UPDATE)]:
            doc.update(changed)
            _put(docs, doc)

    @staticmethod
    def _update(docs: Documents, story: Doc, event: Recorded) -> None:
        topic, data = event.topic, event.data
        key = data["update_id"]["_data_"]
        if topic == Article.UpdateAppended.TOPIC:
            text = data["text"] or {"headline": "", "label": "", "body": ""}
            update = {
                **{field: story[field] for field in ("article", "slug", "story_headline", "status", "tags")},
                "embargo_staff": story["embargo_staff"],
                "kind": UPDATE,
                "id": key,
                "headline": text["headline"] or text["label"] or None,
                "scheduled": data.get("publish_at") is not None,
                "struck": False,
                "at": event.at,
                "position": event.position,
                "body_text": _text(text["label"], richtext.plain(text["body"])),
            }
            _put(docs, update)
            return
        if topic == Article.UpdateErased.TOPIC:  # its words leave the index with it
            docs.delete(DOCS, key)
            return
        found = docs.get(DOCS, key)
        if found is None:  # pragma: no cover - the aggregate only changes existing updates
            return
        if topic == Article.UpdateReleased.TOPIC:
            found.update(scheduled=False, at=event.at, position=event.position)
        elif topic == Article.UpdateStruck.TOPIC:
            found["struck"] = True
        else:  # revised
            text = data["text"] or {"headline": None, "body": "", "note": ""}
            if text.get("headline") is not None:
                found["headline"] = text["headline"] or None
            found["body_text"] = richtext.plain(text["body"])
        _put(docs, found)


def public(doc: Doc) -> bool:
    """Whether readers may find it: its story published, it released and not struck."""
    return doc["status"] == PUBLISHED and not doc.get("scheduled") and not doc.get("struck")


def _put(docs: Documents, doc: Doc) -> None:
    docs.put(
        DOCS,
        doc["id"],
        doc,
        article=doc["article"],
        kind=doc["kind"],
        position=doc["position"],
        public=public(doc),
        tags=f" {' '.join(doc['tags'])} ",
        body=_text(doc["headline"], doc["body_text"]).replace("<", LESS_THAN),
    )
