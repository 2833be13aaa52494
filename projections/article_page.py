"""The article page: everything needed to render a story, and the timeline of its reader-visible changes.

Both are written by one projection in one transaction, because a timeline item is "ready to render": a
restored comment carries its text, a revised update its label, which only the page state knows.

Tables:
  page_articles  one header document per article (headline, body, byline, tags, embeds, corrections...)
  page_items     one document per update or comment, ordered by the position that created it
  timeline       one item per reader-visible change, keyed by its global position (what SSE sends)
  page_item_versions  every state of every update and comment, with the version that made it
  page_checkpoints    the header every CHECKPOINT_EVERY versions

The last two make "the page as of version V" cost a checkpoint, the items as they stood then, and fewer
than CHECKPOINT_EVERY events replayed, however long the story is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Final

from newsroom.article import ARTICLE_TOPICS, PUBLISHED, Article
from projections.documents import Column, Doc, Documents, EventByEvent, Table, micros
from projections.records import Data, Recorded

ARTICLES: Final = Table("page_articles", columns=(Column("slug", "text"),))
ITEMS: Final = Table(
    "page_items",
    columns=(Column("article", "text"), Column("kind", "text"), Column("position", "int")),
    indexes=(("article", "position"),),
)
TIMELINE: Final = Table(
    "timeline",
    columns=(Column("article", "text"), Column("position", "int"), Column("kind", "text")),
    indexes=(("article", "position"), ("position",)),
    append_only=True,
)

ITEM_VERSIONS: Final = Table(
    "page_item_versions",
    columns=(
        Column("article", "text"),
        Column("item", "text"),
        Column("kind", "text"),
        Column("version", "int"),
        Column("position", "int"),
        Column("shown", "bool"),
        Column("pinned", "bool"),
    ),
    indexes=(("article", "version"),),
    append_only=True,
)
CHECKPOINTS: Final = Table(
    "page_checkpoints",
    columns=(Column("article", "text"), Column("version", "int"), Column("at_us", "int")),
    indexes=(("article", "version"), ("article", "at_us")),
    append_only=True,
)
CHECKPOINT_EVERY: Final = 64

UPDATE: Final = "update"
COMMENT: Final = "comment"
DRAFTED: Final = Article.Drafted.TOPIC
UNPUBLISHED_TOPIC: Final = Article.Unpublished.TOPIC


def _header(event: Recorded, at: str) -> Doc:
    data = event.data
    return {
        "id": event.originator_id,
        "slug": data["slug"],
        "headline": data["headline"],
        "body": data["body"],
        "byline": dict(data["byline"]),
        "tags": list(data["tags"]),
        "embeds": [],
        "related": [],
        "corrections": [],
        "status": "draft",
        "published_at": None,
        "updated_at": at,
        "comments_open": True,
        "update_count": 0,
        "comment_count": 0,
        "version": 0,
        "position": 0,
    }


class ArticlePageProjection(EventByEvent):
    name = "article-pages"
    tables = (ARTICLES, ITEMS, TIMELINE, ITEM_VERSIONS, CHECKPOINTS)
    topics = ARTICLE_TOPICS

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        if event.topic != DRAFTED:
            yield ARTICLES, event.originator_id
        data = event.data
        for field in ("update_id", "comment_id"):
            if (changed := data.get(field)) is not None:
                yield ITEMS, changed["_data_"]

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        article_key = event.originator_id
        at = event.at
        version = event.originator_version
        if event.topic == DRAFTED:
            header = _header(event, at)
        else:
            existing = docs.get(ARTICLES, article_key)
            if existing is None:  # pragma: no cover - the log always starts an article with Drafted
                return
            header = existing
        header["version"] = version
        header["position"] = event.position
        handler = _HANDLERS.get(event.topic)
        change = handler(header, docs, event, at) if handler else None
        # Readers see a story only while it is published; its unpublication is the last thing they see.
        visible = change is not None and (header["status"] == PUBLISHED or event.topic == UNPUBLISHED_TOPIC)
        if visible:
            header["updated_at"] = at
        docs.put(ARTICLES, article_key, header, slug=header["slug"])
        if version % CHECKPOINT_EVERY == 0:
            docs.put(
                CHECKPOINTS,
                f"{article_key}/{version}",
                {"at": at, "header": header},
                article=article_key,
                version=version,
                at_us=micros(datetime.fromisoformat(at)),
            )
        if change is not None and visible:
            kind, data = change
            message = {
                "kind": kind,
                "slug": header["slug"],
                "position": event.position,
                "version": version,
                "at": at,
                **data,
            }
            docs.put(
                TIMELINE,
                str(event.position),
                message,
                article=article_key,
                position=event.position,
                kind=kind,
            )


Change = tuple[str, dict[str, Any]] | None
Handler = Callable[[Doc, Documents, Recorded, str], Change]


def _published(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["status"] = PUBLISHED
    header["published_at"] = header["published_at"] or at
    return "article-published", {"article": _public_header(header)}


def _unpublished(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["status"] = "unpublished"
    return "article-unpublished", {"reason": event.data["reason"]}


def _headline(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["headline"] = headline = event.data["headline"]
    return "headline-changed", {"headline": headline}


def _body(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["body"] = body = event.data["body"]
    note = event.data["correction_note"]
    if note:
        header["corrections"].append({"note": note, "at": at, "version": event.originator_version})
    return "body-revised", {"body": body, "correction_note": note or None}


def _update_appended(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    data = event.data
    update = {
        "id": data["update_id"]["_data_"],
        "body": data["body"],
        "label": data["label"] or None,
        "at": at,
        "revised_at": None,
        "revision_note": None,
        "struck": False,
        "struck_reason": None,
        "struck_at": None,
        "pinned": False,
        "position": event.position,
    }
    header["update_count"] += 1
    _put_item(docs, header, UPDATE, update)
    return "update-appended", {"update": update}


def _update_changed(field_changes: Callable[[Data, str], dict[str, Any]], kind: str) -> Handler:
    def handle(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
        update = docs.get(ITEMS, event.data["update_id"]["_data_"])
        if update is None:  # pragma: no cover - the aggregate only allows existing updates
            return None
        update.update(field_changes(event.data, at))
        _put_item(docs, header, UPDATE, update)
        return kind, {"update": update}

    return handle


def _comment_added(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    data = event.data
    comment = {
        "id": data["comment_id"]["_data_"],
        "author": data["author"],
        "body": data["body"],
        "reply_to": event.id("reply_to"),
        "at": at,
        "hidden": False,
        "position": event.position,
    }
    header["comment_count"] += 1
    _put_item(docs, header, COMMENT, comment)
    return "comment-added", {"comment": public_comment(comment)}


def _comment_visibility(hidden: bool) -> Handler:
    def handle(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
        comment = docs.get(ITEMS, event.data["comment_id"]["_data_"])
        if comment is None:  # pragma: no cover - the aggregate only allows existing comments
            return None
        comment["hidden"] = hidden
        header["comment_count"] += -1 if hidden else 1
        _put_item(docs, header, COMMENT, comment)
        if hidden:
            return "comment-hidden", {"comment_id": comment["id"]}
        return "comment-restored", {"comment": public_comment(comment)}

    return handle


def _tagged(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    tag = event.data["tag"]
    header["tags"] = [*header["tags"], tag]
    return "tag-added", {"tag": tag, "tags": header["tags"]}


def _untagged(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    tag = event.data["tag"]
    header["tags"] = [kept for kept in header["tags"] if kept != tag]
    return "tag-removed", {"tag": tag, "tags": header["tags"]}


def _embed_attached(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    data = event.data
    embed = {
        "id": data["embed_id"]["_data_"],
        "kind": data["kind"],
        "url": data["url"],
        "caption": data["caption"] or None,
    }
    header["embeds"] = [*header["embeds"], embed]
    return "embed-attached", {"embed": embed}


def _embed_removed(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    removed = event.data["embed_id"]["_data_"]
    header["embeds"] = [e for e in header["embeds"] if e["id"] != removed]
    return "embed-removed", {"embed_id": removed}


def _related(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    link = {"url": event.data["url"], "title": event.data["title"]}
    header["related"] = [*header["related"], link]
    return "related-linked", {"link": link}


def _comments_open(is_open: bool) -> Handler:
    def handle(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
        header["comments_open"] = is_open
        return ("comments-reopened" if is_open else "comments-closed"), {}

    return handle


def _put_item(docs: Documents, header: Doc, kind: str, item: Doc) -> None:
    docs.put(ITEMS, item["id"], item, article=header["id"], kind=kind, position=item["position"])
    # Stored in the form a page shows, with what rendering needs beside it, so an as-of page can pass
    # the items the replay does not touch through without decoding them.
    version = header["version"]
    docs.put(
        ITEM_VERSIONS,
        f"{item['id']}/{version}",
        item if kind == UPDATE else public_comment(item),
        article=header["id"],
        item=item["id"],
        kind=kind,
        version=version,
        position=item["position"],
        shown=kind == UPDATE or not item["hidden"],
        pinned=kind == UPDATE and item["pinned"],
    )


def public_comment(comment: Doc) -> Doc:
    return {key: value for key, value in comment.items() if key != "hidden"}


def _public_header(header: Doc) -> Doc:
    return {key: value for key, value in header.items() if key not in ("version", "position")}


_HANDLERS: dict[str, Handler] = {
    Article.Published.TOPIC: _published,
    Article.Unpublished.TOPIC: _unpublished,
    Article.HeadlineChanged.TOPIC: _headline,
    Article.BodyRevised.TOPIC: _body,
    Article.UpdateAppended.TOPIC: _update_appended,
    Article.UpdateRevised.TOPIC: _update_changed(
        lambda e, at: {"body": e["body"], "revision_note": e["note"] or None, "revised_at": at},
        "update-revised",
    ),
    Article.UpdateStruck.TOPIC: _update_changed(
        lambda e, at: {"struck": True, "struck_reason": e["reason"], "struck_at": at, "pinned": False},
        "update-struck",
    ),
    Article.UpdatePinned.TOPIC: _update_changed(lambda e, at: {"pinned": True}, "update-pinned"),
    Article.UpdateUnpinned.TOPIC: _update_changed(lambda e, at: {"pinned": False}, "update-unpinned"),
    Article.Tagged.TOPIC: _tagged,
    Article.Untagged.TOPIC: _untagged,
    Article.EmbedAttached.TOPIC: _embed_attached,
    Article.EmbedRemoved.TOPIC: _embed_removed,
    Article.RelatedLinked.TOPIC: _related,
    Article.CommentAdded.TOPIC: _comment_added,
    Article.CommentHidden.TOPIC: _comment_visibility(hidden=True),
    Article.CommentRestored.TOPIC: _comment_visibility(hidden=False),
    Article.CommentsClosed.TOPIC: _comments_open(False),
    Article.CommentsReopened.TOPIC: _comments_open(True),
}


def render_page(header: Doc, items: list[tuple[str, Doc]]) -> Doc:
    """The page a reader gets: hidden comments left out, pinned updates listed first, replies nested by id.

    ``items`` are (kind, document) pairs in position order.
    """
    updates = [doc for kind, doc in items if kind == UPDATE]
    comments = [public_comment(doc) for kind, doc in items if kind == COMMENT and not doc["hidden"]]
    return {
        **header,
        "pinned": [update["id"] for update in updates if update["pinned"]],
        "updates": updates,
        "comments": comments,
    }
