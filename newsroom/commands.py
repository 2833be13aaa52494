"""Every change to an article, declared once: what a client sends, who may ask, and what it does.

A change is a frozen ``msgspec.Struct``: its fields are the request body, with their types, constraints
and descriptions (the HTTP layer decodes a body straight into it, and the OpenAPI document is generated
from it); its class says the permission it needs, what item of the article the path names (an update, a
comment, an embed, a tag), whether it takes ``If-Match``, and which id it creates; ``apply`` is what it does
to the article. A ``Command`` is a change addressed to an article by someone, ready to run on a copy of it:
data, which can be compared, logged and run again.

Adding a change: a struct here, the aggregate method it calls, and a projection handler for its event; the
route (``web/routes.py``) names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from newsroom import rules
from newsroom.article import Article
from newsroom.errors import ValidationError
from newsroom.idempotency import RequestKey
from newsroom.staff import Permission, Principal

# -- field types: each says exactly what the checks below and the domain's rules accept ----------------------

Headline = Annotated[
    str, Meta(max_length=rules.HEADLINE_MAX, pattern=rules.LINE, description="One line of text.")
]
ArticleBody = Annotated[
    str, Meta(max_length=rules.ARTICLE_BODY_MAX, pattern=rules.PARAGRAPHS, description="Paragraphs of text.")
]
UpdateBody = Annotated[
    str, Meta(max_length=rules.UPDATE_BODY_MAX, pattern=rules.PARAGRAPHS, description="Paragraphs of text.")
]
Label = Annotated[
    str,
    Meta(
        max_length=rules.LABEL_MAX,
        pattern=rules.OPTIONAL_LINE,
        description="Shown beside the update's time, e.g. `Fri., 8:00 a.m.` (empty: none).",
    ),
]
Note = Annotated[
    str,
    Meta(max_length=rules.NOTE_MAX, pattern=rules.OPTIONAL_PARAGRAPHS, description="Shown to readers."),
]
Reason = Annotated[
    str, Meta(max_length=rules.REASON_MAX, pattern=rules.LINE, description="Why: kept on the record.")
]
Caption = Annotated[str, Meta(max_length=rules.CAPTION_MAX, pattern=rules.OPTIONAL_LINE)]
Title = Annotated[str, Meta(max_length=rules.TITLE_MAX, pattern=rules.LINE)]
Author = Annotated[
    str,
    Meta(max_length=rules.COMMENT_AUTHOR_MAX, pattern=rules.LINE, description="The name shown with it."),
]
CommentBody = Annotated[str, Meta(max_length=rules.COMMENT_BODY_MAX, pattern=rules.PARAGRAPHS)]
Url = Annotated[
    str, Meta(max_length=rules.URL_MAX, pattern=rules.HTTP_URL, description="An absolute http(s) URL.")
]
TagName = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=rules.TAG_MAX,
        pattern=rules.SLUG_PATTERN,
        description="Lower-case letters and digits joined by hyphens.",
    ),
]
StaffName = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=rules.STAFF_NAME_MAX,
        pattern=rules.STAFF_NAME_PATTERN,
        description="A staff member's name (their sign-in name, not the name shown).",
    ),
]
StaffNames = Annotated[list[StaffName], Meta(max_length=rules.STAFF_PER_LIST)]
Moment = Annotated[
    datetime,
    Meta(tz=True, description="An RFC 3339 date-time with its offset, e.g. `2026-01-10T06:40:00Z`."),
]
UpdateHeadline = Annotated[
    str,
    Meta(max_length=rules.HEADLINE_MAX, pattern=rules.OPTIONAL_LINE, description="The update's title."),
]
EmbedKind = Literal["audio", "document", "image", "map", "social", "video"]
ItemKind = Literal["update", "comment", "embed", "tag"]


class Change(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A change to an existing article, as a client asks for it."""

    permission: ClassVar[Permission | None] = Permission.WRITE_ARTICLES  # None: anyone may
    item: ClassVar[ItemKind | None] = None  # the item of the article its path names
    conditional: ClassVar[bool] = True  # takes If-Match (the article version it was made against)
    creates: ClassVar[str | None] = None  # the receipt field of the id it creates
    # What JSON Schema says of the body beyond its fields (rules between fields), for the OpenAPI document.
    schema_extra: ClassVar[dict[str, Any]] = {}

    # What an If-Match guards: a change is refused only when what it changes was changed by someone else
    # after the version the editor worked from ("article": anything; "headline", "body"; "update": the
    # update the path names).
    guards: ClassVar[tuple[str, ...]] = ("article",)

    def apply(self, article: Article, item: Any, actor: str) -> object:
        """Records the change's events on the article (or raises a rule's error); returns what it made."""
        raise NotImplementedError

    def conflict(self, article: Article, item: Any, version: int) -> str | None:
        """What of the article, changed after ``version``, this change would overwrite (None: nothing)."""
        for part in self.guards:
            if article.changed_since(version, part, item):
                return part
        return None

    @classmethod
    def name(cls) -> str:
        """``AppendUpdate`` -> ``append_update``: the command's name in metrics, logs and the API."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


class Publish(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Publishes a draft, or a withdrawn story again; with ``at`` in the future, schedules it for then."""

    at: Moment | None = None

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.publish(actor=actor, at=self.at)


class Unschedule(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Cancels a scheduled publication or an embargo: the story stays a draft."""

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.unschedule(actor=actor)


class Embargo(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Holds a draft until ``until``, visible before then only to the named staff (and admins); the public
    log commits to its content at once, so the newsroom can later prove it had the story then."""

    until: Moment
    staff: Annotated[list[StaffName], Meta(min_length=1, max_length=rules.STAFF_PER_LIST)]

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.embargo_until(until=self.until, staff=self.staff, actor=actor)


class EndCoverage(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ends the live coverage: the story stays published, no longer shown as live."""

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.end_coverage(actor=actor)


class SetAuthors(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Makes the byline these staff members (their profiles: name, bio, picture)."""

    authors: StaffNames

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.change_authors(self.authors, actor=actor)


class ReleaseDue(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Publishes what is due: the scheduler's change (not an endpoint)."""

    conditional: ClassVar[bool] = False

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.release_due(actor=actor)


class Unpublish(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Withdraws a published story; readers are told it was withdrawn and why, and nothing else."""

    reason: Reason

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.unpublish(reason=self.reason, actor=actor)


class EditArticle(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Changes the headline and/or the body in one step; a correction note goes with a body and is shown
    to readers."""

    schema_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": ["headline"]}, {"required": ["body"]}],
        "dependentRequired": {"correction_note": ["body"]},
    }
    headline: Headline | UnsetType = UNSET
    body: ArticleBody | UnsetType = UNSET
    correction_note: Note | UnsetType = UNSET

    def __post_init__(self) -> None:
        if given(self.headline) is None and given(self.body) is None:
            raise ValidationError("headline", "give a headline, a body, or both")
        if given(self.correction_note) is not None and given(self.body) is None:
            raise ValidationError("correction_note", "a correction note goes with a body")

    def conflict(self, article: Article, item: None, version: int) -> str | None:
        """Only the parts it changes: an edit of the body is not refused for a new headline, nor the
        reverse."""
        for part, value in (("headline", self.headline), ("body", self.body)):
            if given(value) is not None and article.changed_since(version, part):
                return part
        return None

    def apply(self, article: Article, item: None, actor: str) -> None:
        if (headline := given(self.headline)) is not None:
            article.change_headline(headline=headline, actor=actor)
        if (body := given(self.body)) is not None:
            article.revise_body(body=body, correction_note=given(self.correction_note), actor=actor)


def optional_body(kind: type[msgspec.Struct]) -> bool:
    """Whether a request body may be left out: every field has a default, and no rule between fields asks
    for one of them."""
    return not getattr(kind, "schema_extra", None) and len(kind.__struct_defaults__) == len(
        kind.__struct_fields__
    )


def given(value: str | UnsetType | None) -> str | None:
    """A field's value, or None when it was left out (None too, from Python callers)."""
    return None if isinstance(value, UnsetType) else value


class AppendUpdate(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Appends an update to a running story; with ``at`` in the future, readers get it then. Appends from
    several editors never conflict (with If-Match, only if no one changed the story since)."""

    creates: ClassVar[str | None] = "update_id"
    body: UpdateBody
    label: Label | None = None
    headline: UpdateHeadline | None = None
    key: bool = False  # listed among the key events at the top of the story
    contributors: StaffNames | None = None
    at: Moment | None = None

    def apply(self, article: Article, item: None, actor: str) -> UUID:
        return article.append_update(
            body=self.body,
            label=self.label,
            headline=self.headline,
            key_event=self.key,
            contributors=self.contributors,
            at=self.at,
            actor=actor,
        )


class ReviseUpdate(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Rewrites an update (and its headline, if given); the note, if any, says why. With If-Match, refused
    only if someone changed this update since."""

    item: ClassVar[ItemKind | None] = "update"
    guards: ClassVar[tuple[str, ...]] = ("update",)
    body: UpdateBody
    headline: UpdateHeadline | None = None
    note: Note | None = None

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.revise_update(item, body=self.body, headline=self.headline, note=self.note, actor=actor)


class StrikeUpdate(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Strikes an update that proved wrong: it stays, struck through, with the reason. With If-Match,
    refused only if someone changed this update since."""

    item: ClassVar[ItemKind | None] = "update"
    guards: ClassVar[tuple[str, ...]] = ("update",)
    reason: Reason

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.strike_update(item, reason=self.reason, actor=actor)


class PinUpdate(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Pins a key update to the top of the story."""

    item: ClassVar[ItemKind | None] = "update"

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.pin_update(item, actor=actor)


class UnpinUpdate(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Unpins an update."""

    item: ClassVar[ItemKind | None] = "update"

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.unpin_update(item, actor=actor)


class MarkKeyEvent(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Lists an update among the key events at the top of the story."""

    item: ClassVar[ItemKind | None] = "update"
    conditional: ClassVar[bool] = False

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.mark_key_event(item, True, actor=actor)


class UnmarkKeyEvent(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Takes an update off the key events."""

    item: ClassVar[ItemKind | None] = "update"
    conditional: ClassVar[bool] = False

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.mark_key_event(item, False, actor=actor)


class ReleaseUpdate(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Shows a scheduled update now, before its time."""

    item: ClassVar[ItemKind | None] = "update"
    conditional: ClassVar[bool] = False

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.release_update(item, actor=actor)


class Tag(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Tags the story."""

    conditional: ClassVar[bool] = False
    tag: TagName

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.add_tag(self.tag, actor=actor)


class Untag(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Removes a tag."""

    conditional: ClassVar[bool] = False
    item: ClassVar[ItemKind | None] = "tag"

    def apply(self, article: Article, item: str, actor: str) -> None:
        article.remove_tag(item, actor=actor)


class AttachEmbed(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Attaches a map, an image, a video, an audio clip or a document."""

    conditional: ClassVar[bool] = False
    creates: ClassVar[str | None] = "embed_id"
    kind: EmbedKind
    url: Url
    caption: Caption | None = None

    def apply(self, article: Article, item: None, actor: str) -> UUID:
        return article.attach_embed(kind=self.kind, url=self.url, caption=self.caption, actor=actor)


class RemoveEmbed(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Removes an embed."""

    conditional: ClassVar[bool] = False
    item: ClassVar[ItemKind | None] = "embed"

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.remove_embed(item, actor=actor)


class LinkRelated(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Links a related story or page."""

    conditional: ClassVar[bool] = False
    url: Url
    title: Title

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.link_related(url=self.url, title=self.title, actor=actor)


class CloseComments(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Closes the comments: readers can read them, not add to them."""

    conditional: ClassVar[bool] = False

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.close_comments(actor=actor)


class ReopenComments(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Reopens the comments."""

    conditional: ClassVar[bool] = False

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.reopen_comments(actor=actor)


class AddComment(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A reader's comment (plain text), or a reply to one; anyone may post, within a rate limit."""

    permission: ClassVar[Permission | None] = None
    conditional: ClassVar[bool] = False
    creates: ClassVar[str | None] = "comment_id"
    author: Author
    body: CommentBody
    reply_to: Annotated[UUID, Meta(description="The id of the comment this replies to.")] | None = None

    def apply(self, article: Article, item: None, actor: str) -> UUID:
        # A reader's actor is ``reader:<client>``: the pseudonym of where the comment came from.
        client = actor.partition(":")[2] or None
        return article.add_comment(author=self.author, body=self.body, reply_to=self.reply_to, client=client)


class FlagComment(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A reader reports a comment to the moderators; anyone may, within a rate limit."""

    permission: ClassVar[Permission | None] = None
    conditional: ClassVar[bool] = False
    item: ClassVar[ItemKind | None] = "comment"
    reason: Literal["spam", "abuse", "off-topic", "other"] = "other"

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.flag_comment(item, reason=self.reason)


class HideComment(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Hides a comment from readers, with the reason (on the record)."""

    permission: ClassVar[Permission | None] = Permission.MODERATE_COMMENTS
    conditional: ClassVar[bool] = False
    item: ClassVar[ItemKind | None] = "comment"
    reason: Reason

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.hide_comment(item, reason=self.reason, actor=actor)


class RestoreComment(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Shows a hidden comment again, with the reason (on the record)."""

    permission: ClassVar[Permission | None] = Permission.MODERATE_COMMENTS
    conditional: ClassVar[bool] = False
    item: ClassVar[ItemKind | None] = "comment"
    reason: Reason

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.restore_comment(item, reason=self.reason, actor=actor)


class ApproveComment(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Lets a comment stand: one held for pre-moderation is shown to readers; any other leaves the queue
    of comments to look at, until readers report it again."""

    permission: ClassVar[Permission | None] = Permission.MODERATE_COMMENTS
    conditional: ClassVar[bool] = False
    item: ClassVar[ItemKind | None] = "comment"

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.approve_comment(item, actor=actor)


class SetPremoderation(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Pre-moderation on (new comments wait for a moderator's approval before readers see them) or off."""

    permission: ClassVar[Permission | None] = Permission.MODERATE_COMMENTS
    conditional: ClassVar[bool] = False
    premoderated: bool

    def apply(self, article: Article, item: None, actor: str) -> None:
        article.set_premoderation(self.premoderated, actor=actor)


class EraseUpdate(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Lawful removal of an update (a court order, say): its words are destroyed for good; readers and
    auditors see a tombstone saying when, by whom and why. Proofs issued before still verify."""

    permission: ClassVar[Permission | None] = Permission.ERASE_CONTENT
    conditional: ClassVar[bool] = False
    item: ClassVar[ItemKind | None] = "update"
    reason: Reason

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.erase_update(item, reason=self.reason, actor=actor)


class EraseComment(Change, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Lawful removal of a comment and its author's name (a right-to-erasure request, say), as
    ``EraseUpdate`` for an update."""

    permission: ClassVar[Permission | None] = Permission.ERASE_CONTENT
    conditional: ClassVar[bool] = False
    item: ClassVar[ItemKind | None] = "comment"
    reason: Reason

    def apply(self, article: Article, item: UUID, actor: str) -> None:
        article.erase_comment(item, reason=self.reason, actor=actor)


CHANGES: tuple[type[Change], ...] = (
    Publish,
    Unschedule,
    Embargo,
    Unpublish,
    EndCoverage,
    EditArticle,
    SetAuthors,
    AppendUpdate,
    ReviseUpdate,
    StrikeUpdate,
    PinUpdate,
    UnpinUpdate,
    MarkKeyEvent,
    UnmarkKeyEvent,
    ReleaseUpdate,
    Tag,
    Untag,
    AttachEmbed,
    RemoveEmbed,
    LinkRelated,
    CloseComments,
    ReopenComments,
    AddComment,
    FlagComment,
    HideComment,
    RestoreComment,
    ApproveComment,
    SetPremoderation,
    EraseUpdate,
    EraseComment,
)


@dataclass(frozen=True, slots=True)
class Command:
    """A change addressed to an article (and to one of its items), by someone: ready to run on a copy of
    the article, its permission already checked."""

    change: Change
    slug: str
    actor: str
    item: Any = None  # the update, comment or embed id, or the tag, the change is about
    expected_version: int | None = None  # If-Match: refused with a conflict unless the article is at it
    request: RequestKey | None = None  # Idempotency-Key: a retried request gets the first answer

    @property
    def name(self) -> str:
        return type(self.change).name()

    def run(self, article: Article) -> object:
        return self.change.apply(article, self.item, self.actor)

    def conflict(self, article: Article) -> str | None:
        """What this command would overwrite that someone changed since its If-Match (None: nothing)."""
        if self.expected_version is None:
            return None
        return self.change.conflict(article, self.item, self.expected_version)


def command(
    change: Change,
    slug: str,
    *,
    by: Principal | None = None,
    item: Any = None,
    expected_version: int | None = None,
    request: RequestKey | None = None,
    client: str | None = None,
) -> Command:
    """The command, once ``by`` may make the change (a reader's needs no one: its actor is ``reader``, or
    ``reader:<client>`` with the pseudonym of where it came from)."""
    permission = type(change).permission
    if permission is None:
        actor = f"reader:{client}" if client else "reader"
    else:
        if by is None:
            raise ValueError(f"{type(change).name()} needs a staff member")
        by.require(permission)
        actor = by.actor
    if expected_version is not None and not type(change).conditional:
        expected_version = None
    return Command(change, slug, actor, item, expected_version, request)


def build(
    kind: type[Change],
    slug: str,
    /,
    *args: Any,
    by: Principal | None = None,
    expected_version: int | None = None,
    request: RequestKey | None = None,
    **values: Any,
) -> Command:
    """A command from Python arguments, as the application's methods take them: ``build(ReviseUpdate,
    slug, update_id, body=..., by=editor)``. The item a change is about (an update, a comment, an embed, a
    tag) comes after the slug; so does the field of a change that has no item (``build(Tag, slug, "port")``).
    Checked by the domain's rules when it runs, as the HTTP layer's decoding checks a request's body."""
    item = None
    if kind.item is not None:
        item, args = args[0], args[1:]
    values.update(zip(kind.__struct_fields__, args, strict=False))
    return command(kind(**values), slug, by=by, item=item, expected_version=expected_version, request=request)
