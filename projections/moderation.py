"""The moderation queue: every comment of every story, in the state a moderator sees it in, with the record
of who did what to it and why; and the bans in force.

A comment's ``state`` is where it stands in the queue:
  held      the story is pre-moderated and no moderator has approved it yet (readers do not see it)
  flagged   readers reported it since a moderator last looked at it
  new       no moderator has looked at it
  approved  a moderator let it stand (and nobody has reported it since)
  hidden    a moderator hid it (who, when and why are on it)
  erased    removed by law: its text and its author's name are gone, the tombstone says when, by whom, why

Tables:
  moderation_articles  article id -> slug, headline, whether its comments are pre-moderated
  moderation_comments  one document per comment
  moderation_bans      one document per ban, with the (normalised) name and the client it bans
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from newsroom import richtext
from newsroom.article import Article
from newsroom.bans import Bans, name_key
from projections.documents import Column, Doc, Documents, EventByEvent, Table
from projections.records import Recorded

SLUGS: Final = Table("moderation_articles")
COMMENTS: Final = Table(
    "moderation_comments",
    columns=(
        Column("article", "text"),
        Column("hidden", "bool"),
        Column("position", "int"),
        Column("state", "text"),
        Column("author_key", "text"),
        Column("client", "text"),
    ),
    indexes=(
        ("article", "position"),
        ("hidden", "position"),
        ("state", "position"),
        ("author_key",),
        ("client", "position"),
    ),
)
BANS: Final = Table(
    "moderation_bans",
    columns=(Column("name_key", "text"), Column("client", "text"), Column("active", "bool")),
    indexes=(("name_key",), ("client",)),
)

STATES: Final = ("held", "flagged", "new", "approved", "hidden", "erased")

DRAFTED: Final = Article.Drafted.TOPIC
HEADLINE: Final = Article.HeadlineChanged.TOPIC
PREMODERATION: Final = Article.CommentModerationChanged.TOPIC
COMMENT_ADDED: Final = Article.CommentAdded.TOPIC
HIDDEN: Final = Article.CommentHidden.TOPIC
RESTORED: Final = Article.CommentRestored.TOPIC
FLAGGED: Final = Article.CommentFlagged.TOPIC
APPROVED: Final = Article.CommentApproved.TOPIC
ERASED: Final = Article.CommentErased.TOPIC
ACTS: Final = {HIDDEN: "hidden", RESTORED: "restored", APPROVED: "approved", ERASED: "erased"}
BANNED: Final = Bans.CommenterBanned.TOPIC
LIFTED: Final = Bans.BanLifted.TOPIC
BAN_ERASED: Final = Bans.BanErased.TOPIC


def state_of(comment: Doc) -> str:
    if comment.get("erased"):
        return "erased"
    if comment["hidden"]:
        return "hidden"
    if comment.get("held"):
        return "held"
    if comment.get("flags", 0):
        return "flagged"
    return "approved" if comment.get("reviewed") else "new"


class ModerationProjection(EventByEvent):
    name = "moderation"
    # 2: comments' text from sealed events, and as HTML; 3: readers' flags; 4: one queue for every story
    # (states), pre-moderation, approvals, erasure, bans.
    # 5: names matched with the characters that show nothing dropped (``name_key``).
    version = 5
    tables = (SLUGS, COMMENTS, BANS)
    topics = frozenset(
        {DRAFTED, HEADLINE, PREMODERATION, COMMENT_ADDED, *ACTS, FLAGGED, BANNED, LIFTED, BAN_ERASED}
    )

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        if event.topic in (HEADLINE, PREMODERATION, COMMENT_ADDED):
            yield SLUGS, event.originator_id
        elif event.topic in (LIFTED, BAN_ERASED):
            yield BANS, event.data["ban_id"]["_data_"]
        elif (comment := event.data.get("comment_id")) is not None and event.topic != DRAFTED:
            yield COMMENTS, comment["_data_"]

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        topic, data = event.topic, event.data
        if topic == DRAFTED:
            docs.put(
                SLUGS,
                event.originator_id,
                {"slug": data["slug"], "headline": data["headline"], "premoderated": False},
            )
        elif topic in (HEADLINE, PREMODERATION):
            story = docs.get(SLUGS, event.originator_id)
            if story is not None:
                story.update(
                    {"headline": data["headline"]}
                    if topic == HEADLINE
                    else {"premoderated": data["premoderated"]}
                )
                docs.put(SLUGS, event.originator_id, story)
        elif topic == COMMENT_ADDED:
            _added(docs, event)
        elif topic in (BANNED, LIFTED, BAN_ERASED):
            _ban(docs, event)
        else:
            comment = docs.get(COMMENTS, data["comment_id"]["_data_"])
            if comment is None:  # pragma: no cover - the aggregate only moderates existing comments
                return
            _moderated(comment, event)
            _put(docs, event.originator_id, comment)


def _added(docs: Documents, event: Recorded) -> None:
    data = event.data
    story = docs.get(SLUGS, event.originator_id) or {"slug": None, "headline": None}
    text = data["text"]
    comment = {
        "id": data["comment_id"]["_data_"],
        "slug": story["slug"],
        "headline": story["headline"],
        "author": text["author"] if text else "",
        "body": text["body"] if text else "",
        "body_html": richtext.plain_text_html(text["body"]) if text else "",
        "client": text.get("client", "") if text else "",
        "reply_to": event.id("reply_to"),
        "at": event.at,
        "position": event.position,
        "held": bool(data.get("held")),
        "hidden": False,
        "hidden_by": None,
        "hidden_reason": None,
        "hidden_at": None,
        "reviewed": False,
        "flags": 0,  # reports since a moderator last looked at it
        "flags_total": 0,
        "flag_reasons": {},
        "flagged_at": None,
        "acts": [],
        "erased": None if text else {"at": None, "by": None, "reason": None},
    }
    _put(docs, event.originator_id, comment)


def _moderated(comment: Doc, event: Recorded) -> None:
    topic, data, at = event.topic, event.data, event.at
    if topic == FLAGGED:
        reasons = dict(comment["flag_reasons"])
        reasons[data["reason"]] = reasons.get(data["reason"], 0) + 1
        comment.update(
            flags=comment["flags"] + 1,
            flags_total=comment["flags_total"] + 1,
            flag_reasons=reasons,
            flagged_at=at,
        )
        return
    act: dict[str, Any] = {"act": ACTS[topic], "by": data["actor"], "at": at, "position": event.position}
    if "reason" in data:
        act["reason"] = data["reason"]
    comment["acts"] = [*comment["acts"], act]
    comment.update(reviewed=True, flags=0)
    if topic == HIDDEN:
        comment.update(
            hidden=True, held=False, hidden_by=data["actor"], hidden_reason=data["reason"], hidden_at=at
        )
    elif topic == RESTORED:
        comment.update(hidden=False, hidden_by=None, hidden_reason=None, hidden_at=None)
    elif topic == APPROVED:
        comment["held"] = False
    else:  # erased: nothing of what it said or who said it is kept
        comment.update(
            author="",
            body="",
            body_html="",
            client="",
            held=False,
            erased={"at": at, "by": data["actor"], "reason": data["reason"]},
        )


def _put(docs: Documents, article: str, comment: Doc) -> None:
    comment["state"] = state = state_of(comment)
    docs.put(
        COMMENTS,
        comment["id"],
        comment,
        article=article,
        hidden=comment["hidden"],
        position=comment["position"],
        state=state,
        author_key=name_key(comment["author"]) if comment["author"] else "",
        client=comment["client"],
    )


def _ban(docs: Documents, event: Recorded) -> None:
    data = event.data
    key = data["ban_id"]["_data_"]
    if event.topic == BANNED:
        text = data["text"] or {"name": "", "client": ""}
        ban = {
            "id": key,
            "name": text["name"],
            "client": text["client"],
            "reason": data["reason"],
            "by": data["actor"],
            "at": event.at,
            "active": True,
            "lifted": None,
            "erased": None,
        }
    else:
        found = docs.get(BANS, key)
        if found is None:  # pragma: no cover - the aggregate only lifts or erases existing bans
            return
        ban = found
        ended = {"at": event.at, "by": data["actor"], "reason": data["reason"]}
        ban["active"] = False
        if event.topic == LIFTED:
            ban["lifted"] = ended
        else:
            ban.update(name="", client="", erased=ended)
    docs.put(
        BANS,
        key,
        ban,
        name_key=name_key(ban["name"]) if ban["name"] else "",
        client=ban["client"],
        active=ban["active"],
    )
