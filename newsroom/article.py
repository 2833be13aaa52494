"""The Article aggregate: a running story and everything that happens to it.

Command methods check the rules and then trigger an event (``newsroom.article_events``), whose ``apply`` only
changes state and never checks anything, so replaying old events can never fail when rules change later.

The state kept here is what the rules need, not what readers see (read models build that), and its size does
not grow with the story: update and comment ids are UUIDv8 values that carry the article's tag and the item's
number, so "does update X exist" is arithmetic, and only the exceptions (pinned, struck, hidden) are kept by
id. Loading, copying and snapshotting a story with 10,000 updates costs what it does for one with 10.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final
from uuid import UUID, uuid4, uuid5

import orjson
from eventsourcing.domain import Aggregate

from newsroom import article_events as events
from newsroom import rules, sealing
from newsroom.article_events import DRAFT, LIVE, PINNED, PUBLISHED, STRUCK
from newsroom.bans import Bans
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
    CoverageEndedError,
    EmbedNotFoundError,
    ItemErasedError,
    LimitReachedError,
    NothingChangedError,
    NotPinnedError,
    NotPublishedError,
    NotScheduledError,
    NotTaggedError,
    TimePassedError,
    UpdateNotFoundError,
    UpdateNotScheduledError,
    UpdateStruckError,
    ValidationError,
)

# Ids of articles are derived from their slug, so the event store's unique (id, version) key is what makes
# slugs unique: two editors drafting the same slug at once cannot both succeed.
ARTICLE_NAMESPACE: Final = UUID("6f1c2f0e-5b7a-4a53-9a7e-2d3b8c1e4f60")


UPDATE: Final = "update"
COMMENT: Final = "comment"
READER: Final = "reader"  # the actor of a reader's comment: their name is sealed with the text
FLAG_REASONS: Final = ("spam", "abuse", "off-topic", "other")
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


class Article(sealing.Sealer, Aggregate):
    # Topics are pinned: stored events name these strings, not the module path, so code can move freely.
    TOPIC = "newsroom:Article"

    # Added since snapshots were first taken (``_ADDED_LATER`` gives their first values): a snapshot of
    # version 1 gets them by ``upcast_v1_v2``, as the library upcasts snapshots.
    class_version = 2
    authors: list[str]
    headline_version: int | None
    body_version: int | None
    update_versions: dict[str, int]
    scheduled_updates: dict[str, str]
    key_updates: dict[str, bool]
    publish_at: datetime | None
    embargo: dict[str, Any] | None
    coverage_ended: bool
    erased_items: dict[str, bool]
    premoderated: bool
    held_comments: dict[str, bool]

    # The events (newsroom.article_events), as the library finds them: attributes of the aggregate class.
    Event = events.Event
    Drafted = events.Drafted
    Created = events.Drafted
    Published = events.Published
    PublicationScheduled = events.PublicationScheduled
    PublicationUnscheduled = events.PublicationUnscheduled
    Embargoed = events.Embargoed
    CoverageEnded = events.CoverageEnded
    AuthorsChanged = events.AuthorsChanged
    Unpublished = events.Unpublished
    HeadlineChanged = events.HeadlineChanged
    BodyRevised = events.BodyRevised
    UpdateAppended = events.UpdateAppended
    UpdateRevised = events.UpdateRevised
    UpdateReleased = events.UpdateReleased
    UpdateKeyEventChanged = events.UpdateKeyEventChanged
    UpdateStruck = events.UpdateStruck
    UpdatePinned = events.UpdatePinned
    UpdateUnpinned = events.UpdateUnpinned
    Tagged = events.Tagged
    Untagged = events.Untagged
    EmbedAttached = events.EmbedAttached
    EmbedRemoved = events.EmbedRemoved
    RelatedLinked = events.RelatedLinked
    CommentAdded = events.CommentAdded
    CommentHidden = events.CommentHidden
    CommentRestored = events.CommentRestored
    CommentApproved = events.CommentApproved
    CommentModerationChanged = events.CommentModerationChanged
    UpdateErased = events.UpdateErased
    CommentErased = events.CommentErased
    CommentFlagged = events.CommentFlagged
    CommentsClosed = events.CommentsClosed
    CommentsReopened = events.CommentsReopened

    def __init__(
        self,
        slug: str,
        headline: str,
        body: str,
        byline: dict[str, str],
        tags: list[str],
        authors: list[str],
    ) -> None:
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
        for name, default in _ADDED_LATER.items():
            setattr(self, name, default())
        self.authors = list(authors)
        self.headline_version = self.body_version = 1  # both were written by the draft, version 1

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before some attributes existed: each missing one takes its first value."""
        for name, make in _ADDED_LATER.items():
            if name not in state:
                state[name] = make()

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
        byline_name: str = "",
        byline_bio: str = "",
        tags: list[str] | None = None,
        authors: list[str] | None = None,
        actor: str,
    ) -> Article:
        checked_slug = rules.slug(slug)
        checked_authors = rules.staff_names("authors", authors)
        return cls._create(
            cls.Drafted,
            id=article_id(checked_slug),
            slug=checked_slug,
            headline=rules.line("headline", headline, rules.HEADLINE_MAX),
            body=rules.rich_text("body", body, rules.ARTICLE_BODY_MAX),
            byline=rules.byline(byline_name, byline_bio, required=not checked_authors),
            tags=rules.tags(tags),
            authors=checked_authors,
            actor=actor,
        )

    # -- publication -------------------------------------------------------------------------------

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    def publish(self, *, actor: str, at: datetime | None = None, now: datetime | None = None) -> None:
        """Publishes now, or with ``at`` in the future, schedules the publication for then."""
        if self.is_published:
            raise AlreadyPublishedError(f"{self.slug} is already published")
        if at is not None and _future("at", at, now):
            self.trigger_event(self.PublicationScheduled, at=at, actor=actor)
            return
        self.trigger_event(self.Published, actor=actor)

    def unschedule(self, *, actor: str) -> None:
        """Cancels a scheduled publication (and an embargo): the story stays a draft."""
        if self.publish_at is None:
            raise NotScheduledError(f"{self.slug} is not scheduled")
        self.trigger_event(self.PublicationUnscheduled, actor=actor)

    def embargo_until(
        self, *, until: datetime, staff: list[str], actor: str, now: datetime | None = None
    ) -> None:
        """Holds the story until ``until``: only the named staff (and admins) see it before then, and the
        log commits to its content now, so the newsroom can show later that it had the story then."""
        if self.is_published:
            raise AlreadyPublishedError(f"{self.slug} is already published")
        if not _future("until", until, now):
            raise TimePassedError(f"until {until.isoformat()} has passed", field="until")
        named = rules.staff_names("staff", staff)
        if not named:
            raise ValidationError("staff", "name at least one staff member who may see the story")
        self.trigger_event(
            self.Embargoed, until=until, staff=named, commitment=self.commitment(), actor=actor
        )

    def commitment(self) -> str:
        """SHA-256 of the story's content as the embargo commits to it (``content_commitment``)."""
        return content_commitment(self.slug, self.headline, self.body)

    def may_see(self, staff_name: str, *, admin: bool) -> bool:
        """Whether a staff member may see the story before it is released (an embargo names who may)."""
        return self.embargo is None or admin or staff_name in self.embargo["staff"]

    def release_due(self, *, actor: str, now: datetime | None = None) -> None:
        """Publishes a story whose time has come, and releases the updates whose time has come (the
        scheduler's command); NothingChangedError when nothing is due."""
        moment = now or datetime.now(UTC)
        released = False
        if self.publish_at is not None and self.publish_at <= moment and not self.is_published:
            self.trigger_event(self.Published, actor=actor)
            released = True
        due = sorted(
            (at, update)
            for update, at in self.scheduled_updates.items()
            if datetime.fromisoformat(at) <= moment
        )
        for _, update in due:
            self.trigger_event(self.UpdateReleased, update_id=UUID(hex=update), actor=actor)
            released = True
        if not released:
            raise NothingChangedError(f"nothing of {self.slug} is due")

    def next_due(self) -> datetime | None:
        """When the next scheduled publication or update is due (None: nothing is scheduled)."""
        times = [datetime.fromisoformat(at) for at in self.scheduled_updates.values()]
        if self.publish_at is not None and not self.is_published:
            times.append(self.publish_at)
        return min(times, default=None)

    def unpublish(self, *, reason: str, actor: str) -> None:
        self._require_published()
        self.trigger_event(
            self.Unpublished, reason=rules.line("reason", reason, rules.REASON_MAX), actor=actor
        )

    def end_coverage(self, *, actor: str) -> None:
        """Ends the live coverage: the story stays, no longer shown as live."""
        self._require_published()
        if self.coverage_ended:
            raise CoverageEndedError(f"coverage of {self.slug} has ended already")
        self.trigger_event(self.CoverageEnded, actor=actor)

    # -- headline, body, byline --------------------------------------------------------------------

    def change_headline(self, *, headline: str, actor: str) -> None:
        checked = rules.line("headline", headline, rules.HEADLINE_MAX)
        if checked == self.headline:
            raise NothingChangedError("the headline is already that")
        self.trigger_event(self.HeadlineChanged, headline=checked, actor=actor)

    def revise_body(self, *, body: str, correction_note: str | None, actor: str) -> None:
        checked = rules.rich_text("body", body, rules.ARTICLE_BODY_MAX)
        note = rules.optional_paragraphs("correction_note", correction_note, rules.NOTE_MAX)
        if checked == self.body:
            raise NothingChangedError("the body is already that")
        self.trigger_event(self.BodyRevised, body=checked, correction_note=note, actor=actor)

    def change_authors(self, authors: list[str], *, actor: str) -> None:
        checked = rules.staff_names("authors", authors)
        if not checked and not self.byline.get("name"):
            raise ValidationError("authors", "a story without a free-text byline needs an author")
        if checked == self.authors:
            raise NothingChangedError("the authors are already those")
        self.trigger_event(self.AuthorsChanged, authors=checked, actor=actor)

    def changed_since(self, version: int, what: str, item: UUID | None = None) -> bool:
        """Whether ``what`` (the headline, the body, an update) changed after ``version``: an edit made
        from that version would overwrite a colleague's change, while edits of other things would not."""
        if what == "headline":
            changed = self.headline_version
        elif what == "body":
            changed = self.body_version
        elif what == UPDATE and item is not None:
            changed = self.update_versions.get(item.hex, 0)
        else:
            changed = self.version
        # Unknown (a snapshot taken before versions of parts were kept): anything since may have been it.
        return (self.version if changed is None else changed) > version

    # -- updates on a running story ----------------------------------------------------------------

    def append_update(
        self,
        *,
        body: str,
        label: str | None = None,
        headline: str | None = None,
        key_event: bool = False,
        contributors: list[str] | None = None,
        at: datetime | None = None,
        actor: str,
        now: datetime | None = None,
    ) -> UUID:
        """An update, shown at once, or with ``at`` in the future, from then on."""
        self._require_published()
        text = {
            "body": rules.rich_text("body", body, rules.UPDATE_BODY_MAX),
            "headline": rules.optional_line("headline", headline, rules.HEADLINE_MAX),
            "label": rules.optional_line("label", label, rules.LABEL_MAX),
        }
        publish_at = at if at is not None and _future("at", at, now) else None
        update_id = item_id(self.id, UPDATE, self.update_count + 1)
        self.trigger_event(
            self.UpdateAppended,
            update_id=update_id,
            sealed=self._seal(update_id, text),
            key_event=bool(key_event),
            contributors=rules.staff_names("contributors", contributors),
            publish_at=publish_at,
            actor=actor,
        )
        return update_id

    def revise_update(
        self,
        update_id: UUID,
        *,
        body: str,
        note: str | None,
        actor: str,
        headline: str | None = None,
    ) -> None:
        self._require_unstruck_update(update_id)
        text = {
            "body": rules.rich_text("body", body, rules.UPDATE_BODY_MAX),
            "headline": None
            if headline is None
            else rules.optional_line("headline", headline, rules.HEADLINE_MAX),
            "note": rules.optional_line("note", note, rules.NOTE_MAX),
        }
        self.trigger_event(
            self.UpdateRevised,
            update_id=update_id,
            sealed=self._seal(update_id, text),
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

    def mark_key_event(self, update_id: UUID, key_event: bool, *, actor: str) -> None:
        """Lists an update among the key events at the top of the story (or no longer)."""
        self._require_unstruck_update(update_id)
        if (update_id.hex in self.key_updates) == key_event:
            raise NothingChangedError(
                f"update {update_id} is {'already' if key_event else 'not'} a key event"
            )
        self.trigger_event(self.UpdateKeyEventChanged, update_id=update_id, key_event=key_event, actor=actor)

    def release_update(self, update_id: UUID, *, actor: str) -> None:
        """Shows a scheduled update now."""
        self._require_unstruck_update(update_id)
        if update_id.hex not in self.scheduled_updates:
            raise UpdateNotScheduledError(f"update {update_id} is not scheduled")
        self.trigger_event(self.UpdateReleased, update_id=update_id, actor=actor)

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
        self._require_not_erased(update_id)
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

    def add_comment(
        self, *, author: str, body: str, reply_to: UUID | None, client: str | None = None
    ) -> UUID:
        """A reader's comment, held for a moderator if the story is pre-moderated. The event names no
        one: the author's name (and ``client``, the pseudonym of where it came from, by which moderators
        can ban) is sealed with the text, so erasing the comment leaves nothing of them in the log."""
        checked_author = rules.line("author", author, rules.COMMENT_AUTHOR_MAX)
        checked_body = rules.paragraphs("body", body, rules.COMMENT_BODY_MAX)
        self._require_published()
        if not self.comments_open:
            raise CommentsClosedError(f"comments on {self.slug} are closed")
        if reply_to is not None:
            self._require_visible_comment(reply_to, "cannot be replied to")
        comment_id = item_id(self.id, COMMENT, self.comment_count + 1)
        text = {"author": checked_author, "body": checked_body}
        if client:
            text["client"] = client
        self.trigger_event(
            self.CommentAdded,
            comment_id=comment_id,
            reply_to=reply_to,
            sealed=self._seal(comment_id, text),
            held=self.premoderated,
            actor=READER,
        )
        return comment_id

    def hide_comment(self, comment_id: UUID, *, reason: str, actor: str) -> None:
        if self.require_comment(comment_id):
            raise CommentHiddenError(f"comment {comment_id} is already hidden")
        self.trigger_event(
            self.CommentHidden,
            comment_id=comment_id,
            reason=rules.line("reason", reason, rules.REASON_MAX),
            actor=actor,
        )

    def restore_comment(self, comment_id: UUID, *, reason: str, actor: str) -> None:
        if not self.require_comment(comment_id):
            raise CommentNotHiddenError(f"comment {comment_id} is not hidden")
        self.trigger_event(
            self.CommentRestored,
            comment_id=comment_id,
            reason=rules.line("reason", reason, rules.REASON_MAX),
            actor=actor,
        )

    def flag_comment(self, comment_id: UUID, *, reason: str) -> None:
        """A reader's report of a comment, for the moderation queue: one of FLAG_REASONS."""
        if reason not in FLAG_REASONS:
            raise ValidationError("reason", f"must be one of {', '.join(FLAG_REASONS)}")
        self._require_visible_comment(comment_id, "cannot be reported")
        self.trigger_event(self.CommentFlagged, comment_id=comment_id, reason=reason, actor=READER)

    def approve_comment(self, comment_id: UUID, *, actor: str) -> None:
        """A moderator lets a comment stand: a held one is shown; any other leaves the queue of comments
        to look at (until readers report it again)."""
        if self.require_comment(comment_id):
            raise CommentHiddenError(f"comment {comment_id} is hidden: restore it to show it")
        self.trigger_event(self.CommentApproved, comment_id=comment_id, actor=actor)

    def set_premoderation(self, premoderated: bool, *, actor: str) -> None:
        """With pre-moderation on, new comments wait for a moderator's approval before readers see them."""
        if self.premoderated == premoderated:
            raise NothingChangedError(
                f"pre-moderation of {self.slug} is already {'on' if premoderated else 'off'}"
            )
        self.trigger_event(self.CommentModerationChanged, premoderated=premoderated, actor=actor)

    def comment_held(self, comment_id: UUID) -> bool:
        return comment_id.hex in self.held_comments

    # -- lawful removal ----------------------------------------------------------------------------

    def erase_update(self, update_id: UUID, *, reason: str, actor: str) -> None:
        """Removes an update's words for good (``UpdateErased``): their keys go with this event's save."""
        if self.update_state(update_id) is None:
            raise UpdateNotFoundError(f"no update {update_id} on {self.slug}")
        self._require_not_erased(update_id)
        self.trigger_event(
            self.UpdateErased,
            update_id=update_id,
            reason=rules.line("reason", reason, rules.REASON_MAX),
            actor=actor,
        )
        self._shred(update_id)

    def erase_comment(self, comment_id: UUID, *, reason: str, actor: str) -> None:
        """Removes a comment and its author's name for good (``CommentErased``)."""
        if self.comment_hidden(comment_id) is None:
            raise CommentNotFoundError(f"no comment {comment_id} on {self.slug}")
        self._require_not_erased(comment_id)
        self.trigger_event(
            self.CommentErased,
            comment_id=comment_id,
            reason=rules.line("reason", reason, rules.REASON_MAX),
            actor=actor,
        )
        self._shred(comment_id)

    def erased(self, item: UUID) -> bool:
        return item.hex in self.erased_items

    def _require_not_erased(self, item: UUID) -> None:
        if item.hex in self.erased_items:
            raise ItemErasedError(f"{item} was erased")

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

    def require_comment(self, comment_id: UUID) -> bool:
        """Returns whether the comment is hidden; raises if there is no such comment, or it was erased."""
        hidden = self.comment_hidden(comment_id)
        if hidden is None:
            raise CommentNotFoundError(f"no comment {comment_id} on {self.slug}")
        self._require_not_erased(comment_id)
        return hidden

    def _require_visible_comment(self, comment_id: UUID, refused: str) -> None:
        if self.require_comment(comment_id):
            raise CommentHiddenError(f"comment {comment_id} is hidden and {refused}")
        if self.comment_held(comment_id):
            raise CommentHiddenError(f"comment {comment_id} awaits moderation and {refused}")

    def _require_published(self) -> None:
        if not self.is_published:
            raise NotPublishedError(f"{self.slug} is not published")


def content_commitment(slug: str, headline: str, body: str) -> str:
    """SHA-256 (hex) of a story's content in one canonical form: JSON, keys sorted, no spaces, UTF-8. Anyone
    holding the three texts can recompute it (docs/embargo.md)."""
    canonical = orjson.dumps({"body": body, "headline": headline, "slug": slug}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def _future(field: str, moment: datetime, now: datetime | None) -> bool:
    """True for a moment in the future, False for one just past (within a minute: clocks differ, and a
    time an editor set a moment ago means now); a moment longer past is refused, as a slip of the date
    must not publish anything at once."""
    current = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValidationError(field, "must say its offset from UTC")
    if moment <= current:
        if (current - moment).total_seconds() > PAST_TOLERANCE_SECONDS:
            raise TimePassedError(f"{field} {moment.isoformat()} has passed", field=field)
        return False
    return True


PAST_TOLERANCE_SECONDS: Final = 60

# Attributes added after snapshots were first taken, with their first values.
_ADDED_LATER: Final[dict[str, Callable[[], Any]]] = {
    "authors": list,
    "headline_version": lambda: None,  # None: unknown (``changed_since``)
    "body_version": lambda: None,
    "update_versions": dict,  # update id (hex) -> the version that last revised or struck it
    "scheduled_updates": dict,  # update id (hex) -> when it is due (ISO), until released
    "key_updates": dict,  # update id (hex) of each key event
    "publish_at": lambda: None,  # a scheduled publication
    "embargo": lambda: None,  # {"staff": [...], "version": the Embargoed event's}
    "coverage_ended": lambda: False,
    "erased_items": dict,  # update or comment id (hex) of each item erased
    "premoderated": lambda: False,
    "held_comments": dict,  # comment id (hex) of each comment held for a moderator
}

# The pinned topic of every Article event: what a read model of whole articles subscribes to.
ARTICLE_TOPICS: Final = frozenset(
    cls.TOPIC for cls in vars(Article).values() if isinstance(cls, type) and hasattr(cls, "TOPIC")
)

# Events that destroy text: once they are projected, no copy of it may be left in caches or files.
ERASURES: Final = frozenset({Article.UpdateErased.TOPIC, Article.CommentErased.TOPIC, Bans.BanErased.TOPIC})
