"""The article page: everything needed to render a story, and what each of its items shows readers now.

Both are written by one projection in one transaction, because a reader-facing message is "ready to
render": a restored comment carries its text, a revised update its label, which only the page state knows.

Tables:
  page_articles  one header document per article (headline, body, byline, tags, embeds, corrections...)
  page_items     one document per update or comment, ordered by the position that created it
  live_items     one message per item (the article itself, each update, each comment): its current public
                 state, at the position of its latest change. What a reader resuming from a position is
                 sent (``projections.catch_up``): one message per item changed since, never a past state
  page_item_versions  every state of every update and comment, with the version that made it
  page_checkpoints    the header every CHECKPOINT_EVERY versions
  live_channels  the position of the last live message of each story, and of the whole site

Live messages (``Documents.announce``) are each change as it happens, for readers following now; a live
item row is the same message for an update or comment, and for the article a message with its whole
current header (``article-published``) or only that it was withdrawn (``article-unpublished``).

The last two tables make "the page as of version V" cost a checkpoint, the items as they stood then, and
fewer than CHECKPOINT_EVERY events replayed, however long the story is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Final

from newsroom import richtext
from newsroom.article import ARTICLE_TOPICS, Article
from newsroom.article_events import PUBLISHED
from newsroom.staff import Staff, staff_id
from projections import live_kinds
from projections.documents import Column, Doc, Documents, EventByEvent, Table, micros
from projections.records import Data, Recorded

HEADERS: Final = Table("page_articles", columns=(Column("slug", "text"),))
ITEMS: Final = Table(
    "page_items",
    columns=(
        Column("article", "text"),
        Column("kind", "text"),
        Column("position", "int"),
        # An update readers may see (released); pinned or a key event: listed at the top of every page.
        Column("shown", "bool"),
        Column("top", "bool"),
    ),
    indexes=(("article", "position"), ("article", "kind", "shown", "position"), ("article", "top")),
)
LIVE: Final = Table(
    "live_items",
    columns=(
        Column("article", "text"),
        Column("slug", "text"),
        Column("position", "int"),
        Column("kind", "text"),
        # The article's row: the position of its latest republication (0 if it was published once), so a
        # reader who was away then is sent the whole story again (items changed while it was withdrawn).
        Column("republished", "int"),
    ),
    indexes=(("article", "position"), ("position",)),
    encoded_when_put=True,
)
ARTICLE_STATE: Final = live_kinds.ARTICLE.name
ARTICLE_WITHDRAWN: Final = live_kinds.WITHDRAWN.name

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
    indexes=(("article", "version"), ("item",)),
    append_only=True,
)
CHECKPOINTS: Final = Table(
    "page_checkpoints",
    columns=(Column("article", "text"), Column("version", "int"), Column("at_us", "int")),
    indexes=(("article", "version"), ("article", "at_us")),
    append_only=True,
)
CHECKPOINT_EVERY: Final = 64
# Where each story's live messages (and the whole site's, under SITE_CHANNEL) last reached: the position of
# the last one told. Each message is told with the one before it on both channels, so an edge that holds
# readers (GRIP's prev-id) can tell a lost message from the next one, across projector restarts too.
CHANNELS: Final = Table("live_channels", columns=(Column("position", "int"),))
SITE_CHANNEL: Final = "site"
# What readers see of each staff member (by staff id): the name shown, a bio, a picture.
PROFILES: Final = Table("page_profiles", columns=(Column("name", "text"),))
STAFF_TOPICS: Final = frozenset({Staff.Joined.TOPIC, Staff.ProfileChanged.TOPIC})

UPDATE: Final = "update"
COMMENT: Final = "comment"
DRAFTED: Final = Article.Drafted.TOPIC
UNPUBLISHED_TOPIC: Final = Article.Unpublished.TOPIC
UPDATE_APPENDED: Final = Article.UpdateAppended.TOPIC


def _header(event: Recorded, at: str) -> Doc:
    data = event.data
    return {
        "id": event.originator_id,
        "slug": data["slug"],
        "headline": data["headline"],
        "body": data["body"],
        "body_html": richtext.render(data["body"]),
        "byline": dict(data["byline"]),
        "authors": list(data.get("authors", [])),
        "tags": list(data["tags"]),
        "embeds": [],
        "related": [],
        "corrections": [],
        "status": "draft",
        "published_at": None,
        "publish_at": None,  # a scheduled publication
        "embargo": None,  # {"until", "staff"} while the story is held
        "embargo_proof": None,  # {"position", "version", "commitment", "until"}: what the log committed to
        "coverage_ended_at": None,
        "updated_at": at,
        "comments_open": True,
        "premoderated": False,
        "update_count": 0,
        "comment_count": 0,
        "version": 0,
        "position": 0,
        "republished": 0,
    }


def _moment(value: Any) -> str | None:
    """A stored date-time (tagged by the transcoder) as ISO text."""
    return None if value is None else str(value["_data_"])


def staff_name_of(actor: str) -> str:
    """``staff:ana`` -> ``ana``; other actors (the scheduler, readers) name no staff member."""
    return actor.removeprefix("staff:") if actor.startswith("staff:") else ""


class ArticlePageProjection(EventByEvent):
    name = "article-pages"
    # 2: live_items (each item's current public state) instead of a timeline of every past message.
    # 3: rich text rendered, sealed text, scheduling, embargoes, key events, authors with their profiles.
    # 4: items say whether readers see them and whether they head the page, so a page reads only its part.
    # 5: erasure (tombstones, every past state of an erased item scrubbed), comments held for moderation.
    # 6: live_channels, the last live message of each story and of the site.
    version = 6
    tables = (HEADERS, ITEMS, LIVE, ITEM_VERSIONS, CHECKPOINTS, PROFILES, CHANNELS)
    retired_tables: tuple[str, ...] = ("timeline",)
    topics = ARTICLE_TOPICS | STAFF_TOPICS

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        if event.topic in STAFF_TOPICS:
            yield PROFILES, event.originator_id
            return
        if event.topic != DRAFTED:
            yield HEADERS, event.originator_id
        yield CHANNELS, event.originator_id
        yield CHANNELS, SITE_CHANNEL
        data = event.data
        for field in ("update_id", "comment_id"):
            if (changed := data.get(field)) is not None:
                yield ITEMS, changed["_data_"]
        if event.topic == UPDATE_APPENDED and (author := staff_name_of(data["actor"])):
            yield PROFILES, staff_id(author).hex

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        if event.topic in STAFF_TOPICS:
            _profile(docs, event)
            return
        article_key = event.originator_id
        at = event.at
        version = event.originator_version
        if event.topic == DRAFTED:
            header = _header(event, at)
        else:
            existing = docs.get(HEADERS, article_key)
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
        docs.put(HEADERS, article_key, header, slug=header["slug"])
        if version % CHECKPOINT_EVERY == 0:
            docs.put(
                CHECKPOINTS,
                f"{article_key}/{version}",
                {"at": at, "header": header},
                article=article_key,
                version=version,
                at_us=micros(datetime.fromisoformat(at)),
            )
        if change is None:
            return
        kind, data, item = change
        message = {
            "kind": kind,
            "slug": header["slug"],
            "position": event.position,
            "version": version,
            "at": at,
            **data,
        }
        if visible:
            story_previous, site_previous = _told(docs, article_key, event.position)
            docs.announce(message, story_previous=story_previous, site_previous=site_previous)
        if item is not None:
            # Kept whatever the story's status: what a reader is sent of an item is decided when it is read,
            # by the article's row (a withdrawn story's items are sent to nobody).
            self._put_live(docs, item, article_key, message)
        elif visible:
            if header["status"] == PUBLISHED:
                state = {**message, "kind": ARTICLE_STATE, "article": public_view(header)}
                for field in data:
                    if field != "article":
                        state.pop(field)
                self._put_live(docs, article_key, article_key, state, header["republished"])
            else:
                self._put_live(docs, article_key, article_key, message)

    @staticmethod
    def _put_live(docs: Documents, key: str, article: str, message: Doc, republished: int = 0) -> None:
        docs.put(
            LIVE,
            key,
            message,
            article=article,
            slug=message["slug"],
            position=message["position"],
            kind=message["kind"],
            republished=republished,
        )


def _told(docs: Documents, article_key: str, position: int) -> tuple[int, int]:
    """Moves the story's and the site's channels on to ``position``; where they were before."""
    previous = []
    for key in (article_key, SITE_CHANNEL):
        found = docs.get(CHANNELS, key)
        previous.append(int(found["position"]) if found else 0)
        docs.put(CHANNELS, key, {"position": position}, position=position)
    return previous[0], previous[1]


# What an event changed for readers: the message kind, its data, and the update or comment it is about
# (None: the article itself).
Change = tuple[str, dict[str, Any], str | None] | None
Handler = Callable[[Doc, Documents, Recorded, str], Change]


def _profile(docs: Documents, event: Recorded) -> None:
    data = event.data
    if event.topic == Staff.Joined.TOPIC:
        name = data["name"]
        profile = {"name": name, "display_name": name, "bio": "", "picture_url": ""}
    else:
        found = docs.get(PROFILES, event.originator_id)
        if found is None:  # pragma: no cover - a member joins before anything else
            return
        profile = {**found, **{field: data[field] for field in ("display_name", "bio", "picture_url")}}
    docs.put(PROFILES, event.originator_id, profile, name=profile["name"])


def display_name(docs: Documents, name: str) -> str:
    """The name a staff member is shown by (their sign-in name until they give one)."""
    if not name:
        return ""
    found = docs.get(PROFILES, staff_id(name).hex)
    return str(found["display_name"]) if found else name


def _published(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    """A first publication shows the header (a story has no updates or comments before it); a
    republication the whole story, since its items may have changed while nobody could see them."""
    header["status"] = PUBLISHED
    header["publish_at"] = header["embargo"] = header["withdrawn"] = None
    if header["published_at"] is None:
        header["published_at"] = at
        return ARTICLE_STATE, {"article": public_view(header)}, None
    header["republished"] = event.position
    items = sorted(
        ((item_kind(doc), doc) for doc in docs.select(ITEMS, "article", header["id"])),
        key=lambda item: item[1]["position"],
    )
    page = render_page(header, items)
    return ARTICLE_STATE, {"article": public_view(page)}, None


def _unpublished(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["status"] = "unpublished"
    header["withdrawn"] = {"at": at, "reason": event.data["reason"]}
    return ARTICLE_WITHDRAWN, {"reason": event.data["reason"]}, None


def _headline(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["headline"] = headline = event.data["headline"]
    return live_kinds.HEADLINE.name, {"headline": headline}, None


def _body(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["body"] = body = event.data["body"]
    header["body_html"] = body_html = richtext.render(body)
    note = event.data["correction_note"]
    if note:
        header["corrections"].append(
            {"note": note, "at": at, "version": event.originator_version, "position": event.position}
        )
    return live_kinds.BODY.name, {"body": body, "body_html": body_html, "correction_note": note or None}, None


def _scheduled(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["publish_at"] = _moment(event.data["at"])
    return None


def _unscheduled(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["publish_at"] = header["embargo"] = None
    return None


def _embargoed(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    data = event.data
    until = _moment(data["until"])
    header["publish_at"] = until
    header["embargo"] = {"until": until, "staff": list(data["staff"])}
    header["embargo_proof"] = {
        "position": event.position,
        "version": event.originator_version,
        "commitment": data["commitment"],
        "until": until,
        "at": at,
    }
    return None


def _coverage_ended(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["coverage_ended_at"] = at
    return live_kinds.COVERAGE_ENDED.name, {"coverage_ended_at": at}, None


def _authors(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["authors"] = authors = list(event.data["authors"])
    return live_kinds.AUTHORS.name, {"authors": authors}, None


# The words of an update or comment whose key is gone (it was erased).
ERASED_UPDATE: Final = {"body": "", "headline": "", "label": "", "note": ""}
ERASED_COMMENT: Final = {"author": "", "body": ""}


def _update_appended(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    data = event.data
    text = data["text"] or ERASED_UPDATE
    author = staff_name_of(data["actor"])
    scheduled = _moment(data.get("publish_at"))
    update = {
        "id": data["update_id"]["_data_"],
        "headline": text["headline"] or None,
        "label": text["label"] or None,
        "body": text["body"],
        "body_html": richtext.render(text["body"]),
        "key": bool(data.get("key_event")),
        "author": author,
        "author_name": display_name(docs, author),
        "contributors": list(data.get("contributors", [])),
        "at": scheduled or at,
        "scheduled": scheduled is not None,  # readers see it once it is released
        "revised_at": None,
        "revision_note": None,
        "struck": False,
        "struck_reason": None,
        "struck_at": None,
        "pinned": False,
        "erased": data["text"] is None,
        "position": event.position,
        "text_position": event.position,  # the record that holds its words now: what "verify" checks
    }
    _put_item(docs, header, UPDATE, update)
    if update["scheduled"]:
        return None
    header["update_count"] += 1
    return live_kinds.UPDATE_APPENDED.name, {"update": update}, update["id"]


def _update_released(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    """A scheduled update shown: from now, at this position, as if appended now."""
    update = docs.get(ITEMS, event.data["update_id"]["_data_"])
    if update is None:  # pragma: no cover - the aggregate only releases existing updates
        return None
    update.update(scheduled=False, at=at, position=event.position)
    header["update_count"] += 1
    _put_item(docs, header, UPDATE, update)
    return live_kinds.UPDATE_APPENDED.name, {"update": update}, update["id"]


def _update_changed(field_changes: Callable[[Data, str, int], dict[str, Any]], kind: str) -> Handler:
    def handle(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
        update = docs.get(ITEMS, event.data["update_id"]["_data_"])
        if update is None:  # pragma: no cover - the aggregate only allows existing updates
            return None
        update.update(field_changes(event.data, at, event.position))
        _put_item(docs, header, UPDATE, update)
        if update.get("scheduled"):
            return None  # not shown yet: readers get it as it is when it is released
        return kind, {"update": update}, update["id"]

    return handle


def _revised(data: Data, at: str, position: int) -> dict[str, Any]:
    text = data["text"] or ERASED_UPDATE
    changed = {
        "text_position": position,
        "body": text["body"],
        "body_html": richtext.render(text["body"]),
        "revision_note": text["note"] or None,
        "revised_at": at,
    }
    if text.get("headline") is not None:
        changed["headline"] = text["headline"] or None
    return changed


def _comment_added(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    data = event.data
    text = data["text"] or ERASED_COMMENT
    comment = {
        "id": data["comment_id"]["_data_"],
        "author": text["author"],
        "body": text["body"],
        "body_html": richtext.plain_text_html(text["body"]),
        "reply_to": event.id("reply_to"),
        "at": at,
        "hidden": False,
        "held": bool(data.get("held")),  # readers see it once a moderator approves it
        "erased": data["text"] is None,
        "position": event.position,
    }
    _put_item(docs, header, COMMENT, comment)
    if comment["held"]:
        return None
    header["comment_count"] += 1
    return live_kinds.COMMENT_ADDED.name, {"comment": public_comment(comment)}, comment["id"]


def _comment_approved(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    """A held comment shown: from now, at this position, as if added now."""
    comment = docs.get(ITEMS, event.data["comment_id"]["_data_"])
    if comment is None or not comment.get("held"):
        return None  # approving a comment readers already see changes nothing for them
    comment.update(held=False, position=event.position)
    header["comment_count"] += 1
    _put_item(docs, header, COMMENT, comment)
    return live_kinds.COMMENT_ADDED.name, {"comment": public_comment(comment)}, comment["id"]


def _premoderation(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    header["premoderated"] = premoderated = event.data["premoderated"]
    return live_kinds.PREMODERATION.name, {"premoderated": premoderated}, None


def _update_erased(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    update = docs.get(ITEMS, event.data["update_id"]["_data_"])
    if update is None:  # pragma: no cover - the aggregate only erases existing updates
        return None
    was_shown = not update.get("scheduled") and not update.get("erased")
    tombstone = _tombstone(update, event, at) | {
        "headline": None,
        "label": None,
        "key": False,
        "pinned": False,
        "contributors": [],
        "revision_note": None,
        "struck_reason": None,
    }
    _put_item(docs, header, UPDATE, tombstone)
    _scrub_versions(docs, tombstone)
    if not was_shown:
        return None
    header["update_count"] -= 1
    return live_kinds.UPDATE_ERASED.name, {"update": tombstone}, tombstone["id"]


def _comment_erased(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    comment = docs.get(ITEMS, event.data["comment_id"]["_data_"])
    if comment is None:  # pragma: no cover - the aggregate only erases existing comments
        return None
    was_shown = not comment["hidden"] and not comment.get("held") and not comment.get("erased")
    tombstone = _tombstone(comment, event, at) | {"author": "", "held": False}
    _put_item(docs, header, COMMENT, tombstone)
    _scrub_versions(docs, public_comment(tombstone))
    if not was_shown:
        return None
    header["comment_count"] -= 1
    return live_kinds.COMMENT_ERASED.name, {"comment": public_comment(tombstone)}, tombstone["id"]


def _tombstone(item: Doc, event: Recorded, at: str) -> Doc:
    """What stays of an erased update or comment: where it was, and when, by whom and why it was erased."""
    return item | {
        "body": "",
        "body_html": "",
        "erased": True,
        "erased_at": at,
        "erased_position": event.position,  # the tombstone's own record, which anyone can check
        "erased_by": event.data["actor"],
        "erased_reason": event.data["reason"],
    }


def _scrub_versions(docs: Documents, tombstone: Doc) -> None:
    """Every past state of the item, kept for as-of pages, becomes the tombstone: an auditor's view of the
    page as it stood before the erasure shows that something was there, not what."""
    docs.replace_all(ITEM_VERSIONS, "item", tombstone["id"], tombstone)


def _comment_visibility(hidden: bool) -> Handler:
    def handle(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
        comment = docs.get(ITEMS, event.data["comment_id"]["_data_"])
        if comment is None:  # pragma: no cover - the aggregate only allows existing comments
            return None
        was_held = comment.get("held", False)
        comment.update(hidden=hidden, held=False)
        _put_item(docs, header, COMMENT, comment)
        if hidden:
            if was_held:
                return None  # rejected before readers saw it
            header["comment_count"] -= 1
            return live_kinds.COMMENT_HIDDEN.name, {"comment_id": comment["id"]}, comment["id"]
        header["comment_count"] += 1
        return live_kinds.COMMENT_RESTORED.name, {"comment": public_comment(comment)}, comment["id"]

    return handle


def _tagged(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    tag = event.data["tag"]
    header["tags"] = [*header["tags"], tag]
    return live_kinds.TAG_ADDED.name, {"tag": tag, "tags": header["tags"]}, None


def _untagged(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    tag = event.data["tag"]
    header["tags"] = [kept for kept in header["tags"] if kept != tag]
    return live_kinds.TAG_REMOVED.name, {"tag": tag, "tags": header["tags"]}, None


def _embed_attached(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    data = event.data
    embed = {
        "id": data["embed_id"]["_data_"],
        "kind": data["kind"],
        "url": data["url"],
        "caption": data["caption"] or None,
    }
    header["embeds"] = [*header["embeds"], embed]
    return live_kinds.EMBED_ATTACHED.name, {"embed": embed}, None


def _embed_removed(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    removed = event.data["embed_id"]["_data_"]
    header["embeds"] = [e for e in header["embeds"] if e["id"] != removed]
    return live_kinds.EMBED_REMOVED.name, {"embed_id": removed}, None


def _related(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
    link = {"url": event.data["url"], "title": event.data["title"]}
    header["related"] = [*header["related"], link]
    return live_kinds.RELATED.name, {"link": link}, None


def _comments_open(is_open: bool) -> Handler:
    def handle(header: Doc, docs: Documents, event: Recorded, at: str) -> Change:
        header["comments_open"] = is_open
        return (live_kinds.COMMENTS_REOPENED.name if is_open else live_kinds.COMMENTS_CLOSED.name), {}, None

    return handle


def _put_item(docs: Documents, header: Doc, kind: str, item: Doc) -> None:
    shown = kind == UPDATE and not item.get("scheduled")
    top = kind == UPDATE and (item["pinned"] or (item.get("key", False) and not item["struck"]))
    docs.put(
        ITEMS,
        item["id"],
        item,
        article=header["id"],
        kind=kind,
        position=item["position"],
        shown=shown,
        top=top,
    )
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
        shown=kind == UPDATE or not (item["hidden"] or item.get("held")),
        pinned=kind == UPDATE and item["pinned"],
    )


def item_kind(item: Doc) -> str:
    """Whether a page item is an update or a comment (only updates can be struck)."""
    return UPDATE if "struck" in item else COMMENT


def public_comment(comment: Doc) -> Doc:
    return {key: value for key, value in comment.items() if key not in ("hidden", "held")}


INTERNAL_FIELDS: Final = frozenset({"version", "position", "republished", "embargo", "publish_at"})


def page_header(header: Doc) -> Doc:
    """The header as a page shows it: with its version and position, without projection bookkeeping."""
    return {key: value for key, value in header.items() if key != "republished"}


def public_page(page: Doc) -> Doc:
    """A page as readers get it: without what only the newsroom sees (who an embargo named)."""
    return {key: value for key, value in page.items() if key not in STAFF_ONLY}


STAFF_ONLY: Final = frozenset({"embargo", "publish_at"})


def public_view(header: Doc) -> Doc:
    """A header or page as readers get it in a message (its version and position are the message's)."""
    return {key: value for key, value in header.items() if key not in INTERNAL_FIELDS}


_HANDLERS: dict[str, Handler] = {
    Article.Published.TOPIC: _published,
    Article.PublicationScheduled.TOPIC: _scheduled,
    Article.PublicationUnscheduled.TOPIC: _unscheduled,
    Article.Embargoed.TOPIC: _embargoed,
    Article.Unpublished.TOPIC: _unpublished,
    Article.CoverageEnded.TOPIC: _coverage_ended,
    Article.HeadlineChanged.TOPIC: _headline,
    Article.BodyRevised.TOPIC: _body,
    Article.AuthorsChanged.TOPIC: _authors,
    Article.UpdateAppended.TOPIC: _update_appended,
    Article.UpdateReleased.TOPIC: _update_released,
    Article.UpdateRevised.TOPIC: _update_changed(_revised, live_kinds.UPDATE_REVISED.name),
    Article.UpdateKeyEventChanged.TOPIC: _update_changed(
        lambda e, at, _: {"key": e["key_event"]}, live_kinds.UPDATE_KEY.name
    ),
    Article.UpdateStruck.TOPIC: _update_changed(
        lambda e, at, _: {"struck": True, "struck_reason": e["reason"], "struck_at": at, "pinned": False},
        live_kinds.UPDATE_STRUCK.name,
    ),
    Article.UpdatePinned.TOPIC: _update_changed(
        lambda e, at, _: {"pinned": True}, live_kinds.UPDATE_PINNED.name
    ),
    Article.UpdateUnpinned.TOPIC: _update_changed(
        lambda e, at, _: {"pinned": False}, live_kinds.UPDATE_UNPINNED.name
    ),
    Article.Tagged.TOPIC: _tagged,
    Article.Untagged.TOPIC: _untagged,
    Article.EmbedAttached.TOPIC: _embed_attached,
    Article.EmbedRemoved.TOPIC: _embed_removed,
    Article.RelatedLinked.TOPIC: _related,
    Article.CommentAdded.TOPIC: _comment_added,
    Article.CommentHidden.TOPIC: _comment_visibility(hidden=True),
    Article.CommentRestored.TOPIC: _comment_visibility(hidden=False),
    Article.CommentApproved.TOPIC: _comment_approved,
    Article.CommentModerationChanged.TOPIC: _premoderation,
    Article.UpdateErased.TOPIC: _update_erased,
    Article.CommentErased.TOPIC: _comment_erased,
    Article.CommentsClosed.TOPIC: _comments_open(False),
    Article.CommentsReopened.TOPIC: _comments_open(True),
}


def render_page(header: Doc, items: list[tuple[str, Doc]], *, staff: bool = False) -> Doc:
    """The page a reader gets: hidden comments left out, pinned updates listed first, replies nested by id;
    updates not yet released left out too, unless the page is for staff.

    ``items`` are (kind, document) pairs in position order.
    """
    updates = [doc for kind, doc in items if kind == UPDATE and (staff or not doc.get("scheduled"))]
    comments = [
        public_comment(doc)
        for kind, doc in items
        if kind == COMMENT and not doc["hidden"] and not doc.get("held")
    ]
    return {
        **page_header(header),
        "pinned": [update["id"] for update in updates if update["pinned"]],
        "updates": updates,
        "comments": comments,
    }
