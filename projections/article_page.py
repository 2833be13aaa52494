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
from typing import Any, Final

from newsroom.article import ARTICLE_TOPICS, PUBLISHED, Article
from projections.documents import Column, Doc, Documents, Positioned, Table, iso, micros

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


def _header(event: Article.Drafted, at: str) -> Doc:
    return {
        "id": event.originator_id.hex,
        "slug": event.slug,
        "headline": event.headline,
        "body": event.body,
        "byline": dict(event.byline),
        "tags": list(event.tags),
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


class ArticlePageProjection:
    name = "article-pages"
    tables = (ARTICLES, ITEMS, TIMELINE, ITEM_VERSIONS, CHECKPOINTS)
    topics = ARTICLE_TOPICS

    def reads(self, item: Positioned) -> Iterator[tuple[Table, str]]:
        event = item.event
        if not isinstance(event, Article.Drafted):
            yield ARTICLES, event.originator_id.hex
        for field in ("update_id", "comment_id"):
            if (changed := getattr(event, field, None)) is not None:
                yield ITEMS, changed.hex

    def apply(self, docs: Documents, item: Positioned) -> None:
        event = item.event
        article_key = event.originator_id.hex
        at = iso(event.timestamp)
        if isinstance(event, Article.Drafted):
            header = _header(event, at)
        else:
            existing = docs.get(ARTICLES, article_key)
            if existing is None:  # pragma: no cover - the log always starts an article with Drafted
                return
            header = existing
        header["version"] = event.originator_version
        header["position"] = item.position
        handler = _HANDLERS.get(type(event))
        change = handler(header, docs, event, item.position, at) if handler else None
        # Readers see a story only while it is published; its unpublication is the last thing they see.
        visible = change is not None and (
            header["status"] == PUBLISHED or isinstance(event, Article.Unpublished)
        )
        if visible:
            header["updated_at"] = at
        docs.put(ARTICLES, article_key, header, slug=header["slug"])
        if event.originator_version % CHECKPOINT_EVERY == 0:
            docs.put(
                CHECKPOINTS,
                f"{article_key}/{event.originator_version}",
                {"at": at, "header": header},
                article=article_key,
                version=event.originator_version,
                at_us=micros(event.timestamp),
            )
        if change is not None and visible:
            kind, data = change
            message = {
                "kind": kind,
                "slug": header["slug"],
                "position": item.position,
                "version": event.originator_version,
                "at": at,
                **data,
            }
            docs.put(
                TIMELINE, str(item.position), message, article=article_key, position=item.position, kind=kind
            )


Change = tuple[str, dict[str, Any]] | None
Handler = Callable[[Doc, Documents, Any, int, str], Change]


def _published(header: Doc, docs: Documents, event: Article.Published, position: int, at: str) -> Change:
    header["status"] = PUBLISHED
    header["published_at"] = header["published_at"] or at
    return "article-published", {"article": _public_header(header)}


def _unpublished(header: Doc, docs: Documents, event: Article.Unpublished, position: int, at: str) -> Change:
    header["status"] = "unpublished"
    return "article-unpublished", {"reason": event.reason}


def _headline(header: Doc, docs: Documents, event: Article.HeadlineChanged, position: int, at: str) -> Change:
    header["headline"] = event.headline
    return "headline-changed", {"headline": event.headline}


def _body(header: Doc, docs: Documents, event: Article.BodyRevised, position: int, at: str) -> Change:
    header["body"] = event.body
    if event.correction_note:
        header["corrections"].append(
            {"note": event.correction_note, "at": at, "version": event.originator_version}
        )
    return "body-revised", {"body": event.body, "correction_note": event.correction_note or None}


def _update_appended(
    header: Doc, docs: Documents, event: Article.UpdateAppended, position: int, at: str
) -> Change:
    update = {
        "id": event.update_id.hex,
        "body": event.body,
        "label": event.label or None,
        "at": at,
        "revised_at": None,
        "revision_note": None,
        "struck": False,
        "struck_reason": None,
        "struck_at": None,
        "pinned": False,
        "position": position,
    }
    header["update_count"] += 1
    _put_item(docs, header, UPDATE, update)
    return "update-appended", {"update": update}


def _update_changed(field_changes: Callable[[Any, str], dict[str, Any]], kind: str) -> Handler:
    def handle(header: Doc, docs: Documents, event: Any, position: int, at: str) -> Change:
        update = docs.get(ITEMS, event.update_id.hex)
        if update is None:  # pragma: no cover - the aggregate only allows existing updates
            return None
        update.update(field_changes(event, at))
        _put_item(docs, header, UPDATE, update)
        return kind, {"update": update}

    return handle


def _comment_added(
    header: Doc, docs: Documents, event: Article.CommentAdded, position: int, at: str
) -> Change:
    comment = {
        "id": event.comment_id.hex,
        "author": event.author,
        "body": event.body,
        "reply_to": event.reply_to.hex if event.reply_to else None,
        "at": at,
        "hidden": False,
        "position": position,
    }
    header["comment_count"] += 1
    _put_item(docs, header, COMMENT, comment)
    return "comment-added", {"comment": public_comment(comment)}


def _comment_visibility(hidden: bool) -> Handler:
    def handle(header: Doc, docs: Documents, event: Any, position: int, at: str) -> Change:
        comment = docs.get(ITEMS, event.comment_id.hex)
        if comment is None:  # pragma: no cover - the aggregate only allows existing comments
            return None
        comment["hidden"] = hidden
        header["comment_count"] += -1 if hidden else 1
        _put_item(docs, header, COMMENT, comment)
        if hidden:
            return "comment-hidden", {"comment_id": comment["id"]}
        return "comment-restored", {"comment": public_comment(comment)}

    return handle


def _tags(header: Doc, docs: Documents, event: Any, position: int, at: str) -> Change:
    if isinstance(event, Article.Tagged):
        header["tags"] = [*header["tags"], event.tag]
        return "tag-added", {"tag": event.tag, "tags": header["tags"]}
    header["tags"] = [tag for tag in header["tags"] if tag != event.tag]
    return "tag-removed", {"tag": event.tag, "tags": header["tags"]}


def _embed_attached(
    header: Doc, docs: Documents, event: Article.EmbedAttached, position: int, at: str
) -> Change:
    embed = {"id": event.embed_id.hex, "kind": event.kind, "url": event.url, "caption": event.caption or None}
    header["embeds"] = [*header["embeds"], embed]
    return "embed-attached", {"embed": embed}


def _embed_removed(
    header: Doc, docs: Documents, event: Article.EmbedRemoved, position: int, at: str
) -> Change:
    header["embeds"] = [e for e in header["embeds"] if e["id"] != event.embed_id.hex]
    return "embed-removed", {"embed_id": event.embed_id.hex}


def _related(header: Doc, docs: Documents, event: Article.RelatedLinked, position: int, at: str) -> Change:
    link = {"url": event.url, "title": event.title}
    header["related"] = [*header["related"], link]
    return "related-linked", {"link": link}


def _comments_open(is_open: bool) -> Handler:
    def handle(header: Doc, docs: Documents, event: Any, position: int, at: str) -> Change:
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


_HANDLERS: dict[type[Any], Handler] = {
    Article.Published: _published,
    Article.Unpublished: _unpublished,
    Article.HeadlineChanged: _headline,
    Article.BodyRevised: _body,
    Article.UpdateAppended: _update_appended,
    Article.UpdateRevised: _update_changed(
        lambda e, at: {"body": e.body, "revision_note": e.note or None, "revised_at": at}, "update-revised"
    ),
    Article.UpdateStruck: _update_changed(
        lambda e, at: {"struck": True, "struck_reason": e.reason, "struck_at": at, "pinned": False},
        "update-struck",
    ),
    Article.UpdatePinned: _update_changed(lambda e, at: {"pinned": True}, "update-pinned"),
    Article.UpdateUnpinned: _update_changed(lambda e, at: {"pinned": False}, "update-unpinned"),
    Article.Tagged: _tags,
    Article.Untagged: _tags,
    Article.EmbedAttached: _embed_attached,
    Article.EmbedRemoved: _embed_removed,
    Article.RelatedLinked: _related,
    Article.CommentAdded: _comment_added,
    Article.CommentHidden: _comment_visibility(hidden=True),
    Article.CommentRestored: _comment_visibility(hidden=False),
    Article.CommentsClosed: _comments_open(False),
    Article.CommentsReopened: _comments_open(True),
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
