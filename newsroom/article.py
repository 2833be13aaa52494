"""The Article aggregate: a running story and everything that happens to it.

Command methods check the rules and then trigger an event; an event's ``apply`` only changes state and never
checks anything, so replaying old events can never fail when rules change later.

The state kept here is what the rules need, not what readers see (read models build that), and its size does
not grow with the story: update and comment ids are UUIDv8 values that carry the article's tag and the item's
number, so "does update X exist" is arithmetic, and only the exceptions (pinned, struck, hidden) are kept by
id. Loading, copying and snapshotting a story with 10,000 updates costs what it does for one with 10.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import Any, Final
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from newsroom import rules
from newsroom.errors import (
    AlreadyLinkedError,
    AlreadyPinnedError,
    AlreadyPublishedError,
    AlreadyTaggedError,
    CommentHiddenError,
    CommentNotFoundError,
    CommentNotHiddenError,
    CommentsAlreadyOpenError,
    CommentsClosedError,
    EmbedNotFoundError,
    LimitReachedError,
    NothingChangedError,
    NotPinnedError,
    NotPublishedError,
    NotTaggedError,
    UpdateNotFoundError,
    UpdateStruckError,
)

# Ids of articles are derived from their slug, so the event store's unique (id, version) key is what makes
# slugs unique: two editors drafting the same slug at once cannot both succeed.
ARTICLE_NAMESPACE: Final = UUID("6f1c2f0e-5b7a-4a53-9a7e-2d3b8c1e4f60")

DRAFT: Final = "draft"
PUBLISHED: Final = "published"
UNPUBLISHED: Final = "unpublished"

LIVE: Final = "live"
PINNED: Final = "pinned"
STRUCK: Final = "struck"


UPDATE: Final = "update"
COMMENT: Final = "comment"
_COUNTER_BITS: Final = 62


@lru_cache(maxsize=4096)  # a SHA-1 per command otherwise; the busy stories are few at any time
def article_id(slug: str) -> UUID:
    return uuid5(ARTICLE_NAMESPACE, f"article/{slug}")


def _item_tag(owner: UUID, kind: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{owner.hex}/{kind}".encode()).digest()[:6], "big")


def item_id(owner: UUID, kind: str, number: int) -> UUID:
    """The id of the ``number``-th update or comment of an article: an RFC 9562 UUIDv8 laid out as
    48 bits of the article's tag for that kind | version 8 | 12 zero bits | variant | 62-bit number."""
    return UUID(int=(_item_tag(owner, kind) << 80) | (0x8 << 76) | (0b10 << 62) | number)


def item_number(owner: UUID, kind: str, item: UUID) -> int | None:
    """The number inside an item id of this article and kind, or None if the id is not one of them."""
    value = item.int
    if value >> 64 != (_item_tag(owner, kind) << 16) | (0x8 << 12) or (value >> 62) & 0b11 != 0b10:
        return None
    return value & ((1 << _COUNTER_BITS) - 1)


class Article(Aggregate):
    # Topics are pinned: stored events name these strings, not the module path, so code can move freely.
    TOPIC = "newsroom:Article"

    class Event(Aggregate.Event):
        actor: str

    class Drafted(Event, Aggregate.Created):
        TOPIC = "newsroom:Article.Drafted"
        slug: str
        headline: str
        body: str
        byline: dict[str, str]
        tags: list[str]

    Created = Drafted

    class Published(Event):
        TOPIC = "newsroom:Article.Published"

        def apply(self, article: Article) -> None:
            article.status = PUBLISHED
            if article.published_at is None:
                article.published_at = self.timestamp

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

    class BodyRevised(Event):
        TOPIC = "newsroom:Article.BodyRevised"
        body: str
        correction_note: str

        def apply(self, article: Article) -> None:
            article.body = self.body

    class UpdateAppended(Event):
        TOPIC = "newsroom:Article.UpdateAppended"
        update_id: UUID
        body: str
        label: str

        def apply(self, article: Article) -> None:
            article.update_count += 1

    class UpdateRevised(Event):
        TOPIC = "newsroom:Article.UpdateRevised"
        update_id: UUID
        body: str
        note: str

    class UpdateStruck(Event):
        TOPIC = "newsroom:Article.UpdateStruck"
        update_id: UUID
        reason: str

        def apply(self, article: Article) -> None:
            article.marked_updates[self.update_id.hex] = STRUCK

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
        TOPIC = "newsroom:Article.CommentAdded"
        comment_id: UUID
        author: str
        body: str
        reply_to: UUID | None

        def apply(self, article: Article) -> None:
            article.comment_count += 1

    class CommentHidden(Event):
        TOPIC = "newsroom:Article.CommentHidden"
        comment_id: UUID
        reason: str

        def apply(self, article: Article) -> None:
            article.hidden_comments[self.comment_id.hex] = True

    class CommentRestored(Event):
        TOPIC = "newsroom:Article.CommentRestored"
        comment_id: UUID
        reason: str

        def apply(self, article: Article) -> None:
            del article.hidden_comments[self.comment_id.hex]

    class CommentsClosed(Event):
        TOPIC = "newsroom:Article.CommentsClosed"

        def apply(self, article: Article) -> None:
            article.comments_open = False

    class CommentsReopened(Event):
        TOPIC = "newsroom:Article.CommentsReopened"

        def apply(self, article: Article) -> None:
            article.comments_open = True

    def __init__(self, slug: str, headline: str, body: str, byline: dict[str, str], tags: list[str]) -> None:
        self.slug = slug
        self.headline = headline
        self.body = body
        self.byline = dict(byline)
        self.tags = list(tags)
        self.status = DRAFT
        self.published_at: datetime | None = None
        self.update_count = 0
        self.marked_updates: dict[str, str] = {}  # update id (hex) -> PINNED | STRUCK; absent means LIVE
        self.comment_count = 0
        self.hidden_comments: dict[str, bool] = {}  # comment id (hex) of each hidden comment
        self.embeds: dict[str, str] = {}  # embed id (hex) -> kind
        self.related: list[str] = []
        self.comments_open = True

    def __deepcopy__(self, memo: dict[int, Any]) -> Article:
        # Containers are small and hold immutable values: a one-level copy is a full copy.
        clone = object.__new__(type(self))
        clone.__dict__.update(
            {k: v.copy() if isinstance(v, dict | list) else v for k, v in self.__dict__.items()}
        )
        return clone

    # -- creation ----------------------------------------------------------------------------------

    @classmethod
    def draft(
        cls,
        *,
        slug: str,
        headline: str,
        body: str,
        byline_name: str,
        byline_bio: str = "",
        tags: list[str] | None = None,
        actor: str,
    ) -> Article:
        checked_slug = rules.slug(slug)
        return cls._create(
            cls.Drafted,
            id=article_id(checked_slug),
            slug=checked_slug,
            headline=rules.line("headline", headline, rules.HEADLINE_MAX),
            body=rules.paragraphs("body", body, rules.ARTICLE_BODY_MAX),
            byline=rules.byline(byline_name, byline_bio),
            tags=rules.tags(tags),
            actor=actor,
        )

    # -- publication -------------------------------------------------------------------------------

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    def publish(self, *, actor: str) -> None:
        if self.is_published:
            raise AlreadyPublishedError(f"{self.slug} is already published")
        self.trigger_event(self.Published, actor=actor)

    def unpublish(self, *, reason: str, actor: str) -> None:
        self._require_published()
        self.trigger_event(
            self.Unpublished, reason=rules.line("reason", reason, rules.REASON_MAX), actor=actor
        )

    # -- headline and body -------------------------------------------------------------------------

    def change_headline(self, *, headline: str, actor: str) -> None:
        checked = rules.line("headline", headline, rules.HEADLINE_MAX)
        if checked == self.headline:
            raise NothingChangedError("the headline is already that")
        self.trigger_event(self.HeadlineChanged, headline=checked, actor=actor)

    def revise_body(self, *, body: str, correction_note: str | None, actor: str) -> None:
        checked = rules.paragraphs("body", body, rules.ARTICLE_BODY_MAX)
        note = rules.optional_paragraphs("correction_note", correction_note, rules.NOTE_MAX)
        if checked == self.body:
            raise NothingChangedError("the body is already that")
        self.trigger_event(self.BodyRevised, body=checked, correction_note=note, actor=actor)

    # -- updates on a running story ----------------------------------------------------------------

    def append_update(self, *, body: str, label: str | None, actor: str) -> UUID:
        self._require_published()
        update_id = item_id(self.id, UPDATE, self.update_count + 1)
        self.trigger_event(
            self.UpdateAppended,
            update_id=update_id,
            body=rules.paragraphs("body", body, rules.UPDATE_BODY_MAX),
            label=rules.optional_line("label", label, rules.LABEL_MAX),
            actor=actor,
        )
        return update_id

    def revise_update(self, update_id: UUID, *, body: str, note: str | None, actor: str) -> None:
        self._require_unstruck_update(update_id)
        self.trigger_event(
            self.UpdateRevised,
            update_id=update_id,
            body=rules.paragraphs("body", body, rules.UPDATE_BODY_MAX),
            note=rules.optional_line("note", note, rules.NOTE_MAX),
            actor=actor,
        )

    def strike_update(self, update_id: UUID, *, reason: str, actor: str) -> None:
        self._require_unstruck_update(update_id)
        self.trigger_event(
            self.UpdateStruck,
            update_id=update_id,
            reason=rules.line("reason", reason, rules.REASON_MAX),
            actor=actor,
        )

    def pin_update(self, update_id: UUID, *, actor: str) -> None:
        if self._require_unstruck_update(update_id) == PINNED:
            raise AlreadyPinnedError(f"update {update_id} is already pinned")
        self.trigger_event(self.UpdatePinned, update_id=update_id, actor=actor)

    def unpin_update(self, update_id: UUID, *, actor: str) -> None:
        if self._require_unstruck_update(update_id) != PINNED:
            raise NotPinnedError(f"update {update_id} is not pinned")
        self.trigger_event(self.UpdateUnpinned, update_id=update_id, actor=actor)

    def update_state(self, update_id: UUID) -> str | None:
        """LIVE, PINNED or STRUCK; None when the article has no such update."""
        number = item_number(self.id, UPDATE, update_id)
        if number is None or not 1 <= number <= self.update_count:
            return None
        return self.marked_updates.get(update_id.hex, LIVE)

    def update_ids(self) -> list[UUID]:
        return [item_id(self.id, UPDATE, n) for n in range(1, self.update_count + 1)]

    def _require_unstruck_update(self, update_id: UUID) -> str:
        state = self.update_state(update_id)
        if state is None:
            raise UpdateNotFoundError(f"no update {update_id} on {self.slug}")
        if state == STRUCK:
            raise UpdateStruckError(f"update {update_id} was struck")
        return state

    # -- tags, embeds, related links ---------------------------------------------------------------

    def add_tag(self, tag: str, *, actor: str) -> None:
        checked = rules.tag(tag)
        if checked in self.tags:
            raise AlreadyTaggedError(f"{self.slug} is already tagged {checked}")
        if len(self.tags) >= rules.TAGS_PER_ARTICLE:
            raise LimitReachedError(f"at most {rules.TAGS_PER_ARTICLE} tags")
        self.trigger_event(self.Tagged, tag=checked, actor=actor)

    def remove_tag(self, tag: str, *, actor: str) -> None:
        if tag not in self.tags:
            raise NotTaggedError(f"{self.slug} is not tagged {tag}")
        self.trigger_event(self.Untagged, tag=tag, actor=actor)

    def attach_embed(self, *, kind: str, url: str, caption: str | None, actor: str) -> UUID:
        if len(self.embeds) >= rules.EMBEDS_PER_ARTICLE:
            raise LimitReachedError(f"at most {rules.EMBEDS_PER_ARTICLE} embeds")
        embed_id = uuid4()
        self.trigger_event(
            self.EmbedAttached,
            embed_id=embed_id,
            kind=rules.embed_kind(kind),
            url=rules.url(url),
            caption=rules.optional_line("caption", caption, rules.CAPTION_MAX),
            actor=actor,
        )
        return embed_id

    def remove_embed(self, embed_id: UUID, *, actor: str) -> None:
        if embed_id.hex not in self.embeds:
            raise EmbedNotFoundError(f"no embed {embed_id} on {self.slug}")
        self.trigger_event(self.EmbedRemoved, embed_id=embed_id, actor=actor)

    def link_related(self, *, url: str, title: str, actor: str) -> None:
        checked = rules.url(url)
        if checked in self.related:
            raise AlreadyLinkedError(f"{self.slug} already links {checked}")
        if len(self.related) >= rules.RELATED_PER_ARTICLE:
            raise LimitReachedError(f"at most {rules.RELATED_PER_ARTICLE} related links")
        self.trigger_event(
            self.RelatedLinked,
            url=checked,
            title=rules.line("title", title, rules.TITLE_MAX),
            actor=actor,
        )

    # -- reader comments ---------------------------------------------------------------------------

    def add_comment(self, *, author: str, body: str, reply_to: UUID | None) -> UUID:
        checked_author = rules.line("author", author, rules.COMMENT_AUTHOR_MAX)
        checked_body = rules.paragraphs("body", body, rules.COMMENT_BODY_MAX)
        self._require_published()
        if not self.comments_open:
            raise CommentsClosedError(f"comments on {self.slug} are closed")
        if reply_to is not None and self._require_comment(reply_to):
            raise CommentHiddenError(f"comment {reply_to} is hidden and cannot be replied to")
        comment_id = item_id(self.id, COMMENT, self.comment_count + 1)
        self.trigger_event(
            self.CommentAdded,
            comment_id=comment_id,
            author=checked_author,
            body=checked_body,
            reply_to=reply_to,
            actor=f"reader:{checked_author}",
        )
        return comment_id

    def hide_comment(self, comment_id: UUID, *, reason: str, actor: str) -> None:
        if self._require_comment(comment_id):
            raise CommentHiddenError(f"comment {comment_id} is already hidden")
        self.trigger_event(
            self.CommentHidden,
            comment_id=comment_id,
            reason=rules.line("reason", reason, rules.REASON_MAX),
            actor=actor,
        )

    def restore_comment(self, comment_id: UUID, *, reason: str, actor: str) -> None:
        if not self._require_comment(comment_id):
            raise CommentNotHiddenError(f"comment {comment_id} is not hidden")
        self.trigger_event(
            self.CommentRestored,
            comment_id=comment_id,
            reason=rules.line("reason", reason, rules.REASON_MAX),
            actor=actor,
        )

    def close_comments(self, *, actor: str) -> None:
        if not self.comments_open:
            raise CommentsClosedError(f"comments on {self.slug} are already closed")
        self.trigger_event(self.CommentsClosed, actor=actor)

    def reopen_comments(self, *, actor: str) -> None:
        if self.comments_open:
            raise CommentsAlreadyOpenError(f"comments on {self.slug} are open")
        self.trigger_event(self.CommentsReopened, actor=actor)

    def comment_hidden(self, comment_id: UUID) -> bool | None:
        """Whether the comment is hidden; None when the article has no such comment."""
        number = item_number(self.id, COMMENT, comment_id)
        if number is None or not 1 <= number <= self.comment_count:
            return None
        return comment_id.hex in self.hidden_comments

    def comment_ids(self) -> list[UUID]:
        return [item_id(self.id, COMMENT, n) for n in range(1, self.comment_count + 1)]

    def _require_comment(self, comment_id: UUID) -> bool:
        """Returns whether the comment is hidden; raises if there is no such comment."""
        hidden = self.comment_hidden(comment_id)
        if hidden is None:
            raise CommentNotFoundError(f"no comment {comment_id} on {self.slug}")
        return hidden

    def _require_published(self) -> None:
        if not self.is_published:
            raise NotPublishedError(f"{self.slug} is not published")


# The pinned topic of every Article event: what a read model of whole articles subscribes to.
ARTICLE_TOPICS: Final = frozenset(
    cls.TOPIC for cls in vars(Article).values() if isinstance(cls, type) and hasattr(cls, "TOPIC")
)
