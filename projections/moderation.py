"""The moderation view: every comment, visible or not, with the record of who hid or restored it and why.

Tables:
  moderation_articles  article id -> slug (comments events name only the article id)
  moderation_comments  one document per comment with its moderation acts
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from newsroom import richtext
from newsroom.article import Article
from projections.documents import Column, Documents, EventByEvent, Table
from projections.records import Recorded

SLUGS: Final = Table("moderation_articles")
COMMENTS: Final = Table(
    "moderation_comments",
    columns=(Column("article", "text"), Column("hidden", "bool"), Column("position", "int")),
    indexes=(("article", "position"), ("hidden", "position")),
)

DRAFTED: Final = Article.Drafted.TOPIC
COMMENT_ADDED: Final = Article.CommentAdded.TOPIC
HIDDEN: Final = Article.CommentHidden.TOPIC
RESTORED: Final = Article.CommentRestored.TOPIC
FLAGGED: Final = Article.CommentFlagged.TOPIC


class ModerationProjection(EventByEvent):
    name = "moderation"
    version = 3  # 2: comments' text from sealed events, and as HTML; 3: readers' flags
    tables = (SLUGS, COMMENTS)
    topics = frozenset({DRAFTED, COMMENT_ADDED, HIDDEN, RESTORED, FLAGGED})

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        if event.topic == COMMENT_ADDED:
            yield SLUGS, event.originator_id
        elif event.topic in (HIDDEN, RESTORED):
            yield COMMENTS, event.data["comment_id"]["_data_"]

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        article = event.originator_id
        topic, data, at = event.topic, event.data, event.at
        if topic == DRAFTED:
            docs.put(SLUGS, article, {"slug": data["slug"]})
        elif topic == COMMENT_ADDED:
            owner = docs.get(SLUGS, article) or {"slug": None}
            text = data["text"] or {"author": "", "body": ""}
            comment = {
                "id": data["comment_id"]["_data_"],
                "slug": owner["slug"],
                "author": text["author"],
                "body": text["body"],
                "body_html": richtext.plain_text_html(text["body"]),
                "reply_to": event.id("reply_to"),
                "at": at,
                "position": event.position,
                "hidden": False,
                "hidden_by": None,
                "hidden_reason": None,
                "hidden_at": None,
                "flags": 0,
                "flag_reasons": {},
                "acts": [],
            }
            docs.put(COMMENTS, comment["id"], comment, article=article, hidden=False, position=event.position)
        elif topic == FLAGGED:
            flagged = docs.get(COMMENTS, data["comment_id"]["_data_"])
            if flagged is None:  # pragma: no cover - readers flag existing comments only
                return
            reasons = dict(flagged.get("flag_reasons", {}))
            reasons[data["reason"]] = reasons.get(data["reason"], 0) + 1
            flagged.update(flags=flagged.get("flags", 0) + 1, flag_reasons=reasons, flagged_at=at)
            docs.put(
                COMMENTS,
                flagged["id"],
                flagged,
                article=article,
                hidden=flagged["hidden"],
                position=flagged["position"],
            )
        elif topic in (HIDDEN, RESTORED):
            existing = docs.get(COMMENTS, data["comment_id"]["_data_"])
            if existing is None:  # pragma: no cover - the aggregate only moderates existing comments
                return
            hidden = topic == HIDDEN
            existing["hidden"] = hidden
            existing["hidden_by"] = data["actor"] if hidden else None
            existing["hidden_reason"] = data["reason"] if hidden else None
            existing["hidden_at"] = at if hidden else None
            existing["acts"] = [
                *existing["acts"],
                {
                    "act": "hidden" if hidden else "restored",
                    "by": data["actor"],
                    "reason": data["reason"],
                    "at": at,
                    "position": event.position,
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
