"""The front page: published stories, most recently active first, with counts; and the same per tag.

Activity is the global position of the story's last publication, update or comment, so the order is total
and a page cursor is just a position. ``revised_at`` is when the story last got an update, a revised or
struck update, or a correction: what feeds report as the story's `updated` time.

Tables:
  front_articles  one summary per article; ``listed`` while published; ``activity`` orders the page
  front_tags      one row per (tag, listed article), with the article's activity, for tag pages
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from newsroom.article import ARTICLE_TOPICS, Article
from projections.documents import Column, Doc, Documents, Positioned, Table, iso

ARTICLES: Final = Table(
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
REVISIONS: Final = (
    Article.Published,
    Article.UpdateAppended,
    Article.UpdateRevised,
    Article.UpdateStruck,
    Article.BodyRevised,
)


class FrontPageProjection:
    name = "front-page"
    tables = (ARTICLES, TAGS)
    topics = ARTICLE_TOPICS

    def reads(self, item: Positioned) -> Iterator[tuple[Table, str]]:
        if not isinstance(item.event, Article.Drafted):
            yield ARTICLES, item.event.originator_id.hex

    def apply(self, docs: Documents, item: Positioned) -> None:
        event = item.event
        key = event.originator_id.hex
        at = iso(event.timestamp)
        if isinstance(event, Article.Drafted):
            summary: Doc = {
                "slug": event.slug,
                "headline": event.headline,
                "byline": event.byline.get("name"),
                "tags": list(event.tags),
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
            existing = docs.get(ARTICLES, key)
            if existing is None:  # pragma: no cover - the log always starts an article with Drafted
                return
            summary = existing
        before_tags, was_listed = list(summary["tags"]), summary["listed"]
        if self._change(summary, event, at):
            summary["activity"] = item.position
            summary["last_activity_at"] = at
        if isinstance(event, REVISIONS) and (
            not isinstance(event, Article.BodyRevised) or event.correction_note
        ):
            summary["revised_at"] = at  # feeds re-emit the story: an update or a correction landed
        docs.put(
            ARTICLES,
            key,
            summary,
            slug=summary["slug"],
            listed=summary["listed"],
            activity=summary["activity"],
        )
        self._index_tags(docs, key, summary, before_tags if was_listed else [])

    @staticmethod
    def _change(summary: Doc, event: Any, at: str) -> bool:
        """Applies the event to the summary; True when it counts as activity that moves the story up."""
        if isinstance(event, Article.Published):
            summary["listed"] = True
            summary["published_at"] = summary["published_at"] or at
            return True
        if isinstance(event, Article.Unpublished):
            summary["listed"] = False
        elif isinstance(event, Article.HeadlineChanged):
            summary["headline"] = event.headline
        elif isinstance(event, Article.UpdateAppended):
            summary["update_count"] += 1
            summary["latest_update"] = {"label": event.label or None, "excerpt": event.body[:EXCERPT]}
            return True
        elif isinstance(event, Article.CommentAdded):
            summary["comment_count"] += 1
            return True
        elif isinstance(event, Article.CommentHidden):
            summary["comment_count"] -= 1
        elif isinstance(event, Article.CommentRestored):
            summary["comment_count"] += 1
        elif isinstance(event, Article.Tagged):
            summary["tags"] = [*summary["tags"], event.tag]
        elif isinstance(event, Article.Untagged):
            summary["tags"] = [tag for tag in summary["tags"] if tag != event.tag]
        return False

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
