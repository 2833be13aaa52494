"""The moderation view: every comment, visible or not, with the record of who hid or restored it and why.

Tables:
  moderation_articles  article id -> slug (comments events name only the article id)
  moderation_comments  one document per comment with its moderation acts
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from newsroom.article import Article
from projections.documents import Column, Documents, Positioned, Table, iso

ARTICLES: Final = Table("moderation_articles")
COMMENTS: Final = Table(
    "moderation_comments",
    columns=(Column("article", "text"), Column("hidden", "bool"), Column("position", "int")),
    indexes=(("article", "position"), ("hidden", "position")),
)

_TOPICS = (
    Article.Drafted,
    Article.CommentAdded,
    Article.CommentHidden,
    Article.CommentRestored,
)


class ModerationProjection:
    name = "moderation"
    tables = (ARTICLES, COMMENTS)
    topics = frozenset(cls.TOPIC for cls in _TOPICS)

    def reads(self, item: Positioned) -> Iterator[tuple[Table, str]]:
        event = item.event
        if isinstance(event, Article.CommentAdded):
            yield ARTICLES, event.originator_id.hex
        elif isinstance(event, Article.CommentHidden | Article.CommentRestored):
            yield COMMENTS, event.comment_id.hex

    def apply(self, docs: Documents, item: Positioned) -> None:
        event = item.event
        article = event.originator_id.hex
        at = iso(event.timestamp)
        if isinstance(event, Article.Drafted):
            docs.put(ARTICLES, article, {"slug": event.slug})
        elif isinstance(event, Article.CommentAdded):
            owner = docs.get(ARTICLES, article) or {"slug": None}
            comment = {
                "id": event.comment_id.hex,
                "slug": owner["slug"],
                "author": event.author,
                "body": event.body,
                "reply_to": event.reply_to.hex if event.reply_to else None,
                "at": at,
                "position": item.position,
                "hidden": False,
                "hidden_by": None,
                "hidden_reason": None,
                "hidden_at": None,
                "acts": [],
            }
            docs.put(COMMENTS, comment["id"], comment, article=article, hidden=False, position=item.position)
        elif isinstance(event, Article.CommentHidden | Article.CommentRestored):
            existing = docs.get(COMMENTS, event.comment_id.hex)
            if existing is None:  # pragma: no cover - the aggregate only moderates existing comments
                return
            hidden = isinstance(event, Article.CommentHidden)
            existing["hidden"] = hidden
            existing["hidden_by"] = event.actor if hidden else None
            existing["hidden_reason"] = event.reason if hidden else None
            existing["hidden_at"] = at if hidden else None
            existing["acts"] = [
                *existing["acts"],
                {
                    "act": "hidden" if hidden else "restored",
                    "by": event.actor,
                    "reason": event.reason,
                    "at": at,
                    "position": item.position,
                },
            ]
            docs.put(
                COMMENTS,
                existing["id"],
                existing,
                article=article,
                hidden=hidden,
                position=existing["position"],
            )
