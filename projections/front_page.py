"""The front page: published stories, most recently active first, with counts; and the same per tag.

Activity is the global position of the story's last publication, update or comment, so the order is total
and a page cursor is just a position. ``revised_at`` is when the story last got an update, a revised or
struck update, or a correction: what feeds report as the story's `updated` time.

Tables:
  front_articles  one summary per article; ``listed`` while published; ``activity`` orders the page
  front_tags      one row per (tag, listed article), with the article's activity, for tag pages
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from newsroom.article import ARTICLE_TOPICS, Article
from projections.documents import Column, Doc, Documents, EventByEvent, Table
from projections.records import Data, Recorded

LISTED: Final = Table(
    "front_articles",
    columns=(Column("slug", "text"), Column("listed", "bool"), Column("activity", "int")),
    indexes=(("listed", "activity"),),
)
TAGS: Final = Table(
    "front_tags",
    columns=(Column("tag", "text"), Column("article", "text"), Column("activity", "int")),
    indexes=(("tag", "activity"),),
)

EXCERPT: Final = 280
# What makes a feed re-emit a story's entry with a new `updated` time.
REVISIONS: Final = frozenset(
    event.TOPIC
    for event in (Article.Published, Article.UpdateAppended, Article.UpdateRevised, Article.UpdateStruck)
)
DRAFTED: Final = Article.Drafted.TOPIC
BODY_REVISED: Final = Article.BodyRevised.TOPIC


class FrontPageProjection(EventByEvent):
    name = "front-page"
    tables = (LISTED, TAGS)
    topics = ARTICLE_TOPICS

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        if event.topic != DRAFTED:
            yield LISTED, event.originator_id

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        key = event.originator_id
        at = event.at
        topic = event.topic
        if topic == DRAFTED:
            data = event.data
            summary: Doc = {
                "slug": data["slug"],
                "headline": data["headline"],
                "byline": data["byline"].get("name"),
                "tags": list(data["tags"]),
                "published_at": None,
                "last_activity_at": None,
                "revised_at": None,
                "update_count": 0,
                "comment_count": 0,
                "latest_update": None,
                "listed": False,
                "activity": 0,
            }
        else:
            existing = docs.get(LISTED, key)
            if existing is None:  # pragma: no cover - the log always starts an article with Drafted
                return
            summary = existing
        before = (summary["tags"], summary["listed"], summary["activity"])
        change = _CHANGES.get(topic)
        if change is not None and change(summary, event.data, at):
            summary["activity"] = event.position
            summary["last_activity_at"] = at
        if topic in REVISIONS or (topic == BODY_REVISED and event.data["correction_note"]):
            summary["revised_at"] = at  # feeds re-emit the story: an update or a correction landed
        docs.put(
            LISTED,
            key,
            summary,
            slug=summary["slug"],
            listed=summary["listed"],
            activity=summary["activity"],
        )
        # Tag rows carry the listing and the activity: rewritten only when one of those moved.
        if (summary["tags"], summary["listed"], summary["activity"]) != before:
            self._index_tags(docs, key, summary, before[0] if before[1] else [])

    @staticmethod
    def _index_tags(docs: Documents, key: str, summary: Doc, indexed_before: list[str]) -> None:
        listed_tags = summary["tags"] if summary["listed"] else []
        for tag in indexed_before:
            if tag not in listed_tags:
                docs.delete(TAGS, f"{tag}/{key}")
        for tag in listed_tags:
            docs.put(
                TAGS, f"{tag}/{key}", {"article": key}, tag=tag, article=key, activity=summary["activity"]
            )


# How each kind of event changes a summary; True when it counts as activity that moves the story up.
# Tag lists are replaced, never changed in place: ``apply_one`` compares the list from before the event.
def _published(summary: Doc, data: Data, at: str) -> bool:
    summary["listed"] = True
    summary["published_at"] = summary["published_at"] or at
    return True


def _unpublished(summary: Doc, data: Data, at: str) -> bool:
    summary["listed"] = False
    return False


def _headline(summary: Doc, data: Data, at: str) -> bool:
    summary["headline"] = data["headline"]
    return False


def _update_appended(summary: Doc, data: Data, at: str) -> bool:
    summary["update_count"] += 1
    summary["latest_update"] = {"label": data["label"] or None, "excerpt": data["body"][:EXCERPT]}
    return True


def _comment_count(by: int, *, activity: bool) -> Callable[[Doc, Data, str], bool]:
    def change(summary: Doc, data: Data, at: str) -> bool:
        summary["comment_count"] += by
        return activity

    return change


def _tagged(summary: Doc, data: Data, at: str) -> bool:
    summary["tags"] = [*summary["tags"], data["tag"]]
    return False


def _untagged(summary: Doc, data: Data, at: str) -> bool:
    summary["tags"] = [tag for tag in summary["tags"] if tag != data["tag"]]
    return False


_CHANGES: Final[dict[str, Callable[[Doc, Data, str], bool]]] = {
    Article.Published.TOPIC: _published,
    Article.Unpublished.TOPIC: _unpublished,
    Article.HeadlineChanged.TOPIC: _headline,
    Article.UpdateAppended.TOPIC: _update_appended,
    Article.CommentAdded.TOPIC: _comment_count(1, activity=True),
    Article.CommentHidden.TOPIC: _comment_count(-1, activity=False),
    Article.CommentRestored.TOPIC: _comment_count(1, activity=False),
    Article.Tagged.TOPIC: _tagged,
    Article.Untagged.TOPIC: _untagged,
}
