"""The events of an article: what happened to a story, as stored for good.

Each event's ``apply`` only changes the aggregate's state (``newsroom.article``) and never checks anything,
so replaying old events can never fail when rules change later. Topics are pinned (``TOPIC``): stored events
name these strings, not this module's path. An event whose fields changed since it was first stored says so
by its ``class_version`` and upcasts older ones (``upcast_v1_v2``), as the library does.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from eventsourcing.domain import Aggregate

from newsroom import sealing

if TYPE_CHECKING:
    from newsroom.article import Article

DRAFT: Final = "draft"
PUBLISHED: Final = "published"
UNPUBLISHED: Final = "unpublished"

LIVE: Final = "live"
PINNED: Final = "pinned"
STRUCK: Final = "struck"


class Event(Aggregate.Event):
    """What every event of an article holds beyond the library's: who did it."""

    actor: str


class Drafted(Event, Aggregate.Created):
    TOPIC = "newsroom:Article.Drafted"
    class_version = 2
    slug: str
    headline: str
    body: str
    byline: dict[str, str]  # a free-text byline (name, bio); empty name when the authors say it
    tags: list[str]
    authors: list[str]  # staff names, whose profiles make the byline

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["authors"] = []


class Published(Event):
    TOPIC = "newsroom:Article.Published"

    def apply(self, article: Article) -> None:
        article.status = PUBLISHED
        if article.published_at is None:
            article.published_at = self.timestamp
        article.publish_at = None
        article.embargo = None


class PublicationScheduled(Event):
    TOPIC = "newsroom:Article.PublicationScheduled"
    at: datetime

    def apply(self, article: Article) -> None:
        article.publish_at = self.at


class PublicationUnscheduled(Event):
    TOPIC = "newsroom:Article.PublicationUnscheduled"

    def apply(self, article: Article) -> None:
        article.publish_at = None
        article.embargo = None


class Embargoed(Event):
    """Publication held until ``until``, the story shown before then only to the named staff; the log
    commits to its content now (``commitment``: SHA-256 of the canonical headline, body and slug)."""

    TOPIC = "newsroom:Article.Embargoed"
    until: datetime
    staff: list[str]
    commitment: str

    def apply(self, article: Article) -> None:
        article.publish_at = self.until
        article.embargo = {"staff": list(self.staff), "version": self.originator_version}


class CoverageEnded(Event):
    TOPIC = "newsroom:Article.CoverageEnded"

    def apply(self, article: Article) -> None:
        article.coverage_ended = True


class AuthorsChanged(Event):
    TOPIC = "newsroom:Article.AuthorsChanged"
    authors: list[str]

    def apply(self, article: Article) -> None:
        article.authors = list(self.authors)


class Unpublished(Event):
    TOPIC = "newsroom:Article.Unpublished"
    reason: str

    def apply(self, article: Article) -> None:
        article.status = UNPUBLISHED


class HeadlineChanged(Event):
    TOPIC = "newsroom:Article.HeadlineChanged"
    headline: str

    def apply(self, article: Article) -> None:
        article.headline = self.headline
        article.headline_version = self.originator_version


class BodyRevised(Event):
    TOPIC = "newsroom:Article.BodyRevised"
    body: str
    correction_note: str

    def apply(self, article: Article) -> None:
        article.body = self.body
        article.body_version = self.originator_version


class UpdateAppended(Event):
    """An update; its words (body, headline, label) sealed (``newsroom.sealing``). With ``publish_at``,
    readers see it only from then on (``UpdateReleased``)."""

    TOPIC = "newsroom:Article.UpdateAppended"
    class_version = 2
    update_id: UUID
    sealed: dict[str, Any]
    key_event: bool
    contributors: list[str]
    publish_at: datetime | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        text = {"body": state.pop("body"), "headline": "", "label": state.pop("label")}
        state.update(sealed=sealing.plain(text), key_event=False, contributors=[], publish_at=None)

    def apply(self, article: Article) -> None:
        article.update_count += 1
        if self.publish_at is not None:
            article.scheduled_updates[self.update_id.hex] = self.publish_at.isoformat()
        if self.key_event:
            article.key_updates[self.update_id.hex] = True


class UpdateRevised(Event):
    """New words for an update (body, note; headline None: unchanged), sealed."""

    TOPIC = "newsroom:Article.UpdateRevised"
    class_version = 2
    update_id: UUID
    sealed: dict[str, Any]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        text = {"body": state.pop("body"), "headline": None, "note": state.pop("note")}
        state["sealed"] = sealing.plain(text)

    def apply(self, article: Article) -> None:
        article.update_versions[self.update_id.hex] = self.originator_version


class UpdateReleased(Event):
    TOPIC = "newsroom:Article.UpdateReleased"
    update_id: UUID

    def apply(self, article: Article) -> None:
        article.scheduled_updates.pop(self.update_id.hex, None)


class UpdateKeyEventChanged(Event):
    TOPIC = "newsroom:Article.UpdateKeyEventChanged"
    update_id: UUID
    key_event: bool

    def apply(self, article: Article) -> None:
        if self.key_event:
            article.key_updates[self.update_id.hex] = True
        else:
            article.key_updates.pop(self.update_id.hex, None)


class UpdateStruck(Event):
    TOPIC = "newsroom:Article.UpdateStruck"
    update_id: UUID
    reason: str

    def apply(self, article: Article) -> None:
        article.marked_updates[self.update_id.hex] = STRUCK
        article.update_versions[self.update_id.hex] = self.originator_version
        article.scheduled_updates.pop(self.update_id.hex, None)  # struck before its time: never shown


class UpdatePinned(Event):
    TOPIC = "newsroom:Article.UpdatePinned"
    update_id: UUID

    def apply(self, article: Article) -> None:
        article.marked_updates[self.update_id.hex] = PINNED


class UpdateUnpinned(Event):
    TOPIC = "newsroom:Article.UpdateUnpinned"
    update_id: UUID

    def apply(self, article: Article) -> None:
        del article.marked_updates[self.update_id.hex]


class Tagged(Event):
    TOPIC = "newsroom:Article.Tagged"
    tag: str

    def apply(self, article: Article) -> None:
        article.tags.append(self.tag)


class Untagged(Event):
    TOPIC = "newsroom:Article.Untagged"
    tag: str

    def apply(self, article: Article) -> None:
        article.tags.remove(self.tag)


class EmbedAttached(Event):
    TOPIC = "newsroom:Article.EmbedAttached"
    embed_id: UUID
    kind: str
    url: str
    caption: str

    def apply(self, article: Article) -> None:
        article.embeds[self.embed_id.hex] = self.kind


class EmbedRemoved(Event):
    TOPIC = "newsroom:Article.EmbedRemoved"
    embed_id: UUID

    def apply(self, article: Article) -> None:
        del article.embeds[self.embed_id.hex]


class RelatedLinked(Event):
    TOPIC = "newsroom:Article.RelatedLinked"
    url: str
    title: str

    def apply(self, article: Article) -> None:
        article.related.append(self.url)


class CommentAdded(Event):
    """A reader's comment; the author's name and the text sealed (``newsroom.sealing``)."""

    TOPIC = "newsroom:Article.CommentAdded"
    class_version = 3
    comment_id: UUID
    reply_to: UUID | None
    sealed: dict[str, Any]
    held: bool  # the story is pre-moderated: readers see it once a moderator approves it

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["sealed"] = sealing.plain({"author": state.pop("author"), "body": state.pop("body")})

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["held"] = False

    def apply(self, article: Article) -> None:
        article.comment_count += 1
        if self.held:
            article.held_comments[self.comment_id.hex] = True


class CommentHidden(Event):
    TOPIC = "newsroom:Article.CommentHidden"
    comment_id: UUID
    reason: str

    def apply(self, article: Article) -> None:
        article.hidden_comments[self.comment_id.hex] = True
        article.held_comments.pop(self.comment_id.hex, None)  # a held comment hidden is rejected


class CommentRestored(Event):
    TOPIC = "newsroom:Article.CommentRestored"
    comment_id: UUID
    reason: str

    def apply(self, article: Article) -> None:
        del article.hidden_comments[self.comment_id.hex]


class CommentApproved(Event):
    """A moderator looked at a comment and let it stand: a held one is shown from now on."""

    TOPIC = "newsroom:Article.CommentApproved"
    comment_id: UUID

    def apply(self, article: Article) -> None:
        article.held_comments.pop(self.comment_id.hex, None)


class CommentModerationChanged(Event):
    """Pre-moderation on (new comments held until a moderator approves them) or off."""

    TOPIC = "newsroom:Article.CommentModerationChanged"
    premoderated: bool

    def apply(self, article: Article) -> None:
        article.premoderated = self.premoderated


class UpdateErased(Event):
    """Lawful removal of an update: the keys of every event that held its words are destroyed with
    this event (``newsroom.sealing``); the log keeps this tombstone, with who, when and why."""

    TOPIC = "newsroom:Article.UpdateErased"
    update_id: UUID
    reason: str

    def apply(self, article: Article) -> None:
        key = self.update_id.hex
        article.erased_items[key] = True
        article.update_versions[key] = self.originator_version
        for marks in (article.marked_updates, article.scheduled_updates, article.key_updates):
            marks.pop(key, None)


class CommentErased(Event):
    """Lawful removal of a comment and its author's name, as ``UpdateErased`` for an update."""

    TOPIC = "newsroom:Article.CommentErased"
    comment_id: UUID
    reason: str

    def apply(self, article: Article) -> None:
        article.erased_items[self.comment_id.hex] = True
        article.held_comments.pop(self.comment_id.hex, None)


class CommentFlagged(Event):
    """A reader asked moderators to look at a comment (the reader is not named)."""

    TOPIC = "newsroom:Article.CommentFlagged"
    comment_id: UUID
    reason: str


class CommentsClosed(Event):
    TOPIC = "newsroom:Article.CommentsClosed"

    def apply(self, article: Article) -> None:
        article.comments_open = False


class CommentsReopened(Event):
    TOPIC = "newsroom:Article.CommentsReopened"

    def apply(self, article: Article) -> None:
        article.comments_open = True
