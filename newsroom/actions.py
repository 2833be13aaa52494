"""Every write that is not a change to one existing article, declared once as a struct: drafting a story,
staff, bans, and moderating many comments at once.

As with ``newsroom.commands``, a struct's fields are what a client sends (the HTTP layer decodes a body
straight into it, and the OpenAPI document is generated from it) and its class says the permission it
needs. An ``Order`` is such an action asked by someone, with what the path names (the staff member, the
ban, the story) and the request's Idempotency-Key: ``Newsroom.handle`` runs it, as it runs a ``Command``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, get_args

import msgspec
from msgspec import UNSET, Meta, UnsetType

from newsroom import rules
from newsroom.commands import ArticleBody, Author, Headline, Reason, StaffName, StaffNames, TagName, Url
from newsroom.idempotency import RequestKey
from newsroom.staff import Permission, Principal, Role

Hex = Annotated[str, Meta(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$", description="An id (hex).")]
Slug = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=rules.SLUG_MAX,
        pattern=rules.SLUG_PATTERN,
        description="Lower-case letters and digits joined by hyphens; unique.",
    ),
]
BULK_MAX = 200
ModerationAction = Literal["hide", "restore", "approve"]
MODERATION_ACTIONS: tuple[str, ...] = get_args(ModerationAction)


class Action(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A write that is not a change to one existing article."""

    permission: ClassVar[Permission | None] = None  # None: anyone signed in (the handler checks)
    schema_extra: ClassVar[dict[str, Any]] = {}  # JSON Schema beyond the fields, for the OpenAPI document

    @classmethod
    def command_name(cls) -> str:
        """``AddStaff`` -> ``add_staff``: the action's name in metrics and logs."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


# -- editors -------------------------------------------------------------------------------------------------


class Byline(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(max_length=rules.BYLINE_NAME_MAX, pattern=rules.LINE)]
    bio: Annotated[str, Meta(max_length=rules.BIO_MAX, pattern=rules.OPTIONAL_LINE)] | None = None


class DraftArticle(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new story, as a draft nobody but staff can see; its slug is its address for good. Without a
    byline or authors, the byline is the editor's name."""

    permission: ClassVar[Permission | None] = Permission.WRITE_ARTICLES
    slug: Slug
    headline: Headline
    body: ArticleBody
    byline: Annotated[str, Meta(max_length=rules.BYLINE_NAME_MAX, pattern=rules.LINE)] | Byline | None = None
    authors: StaffNames | None = None
    tags: Annotated[list[TagName], Meta(max_length=rules.TAGS_PER_ARTICLE)] | None = None

    def byline_of(self, editor: Principal) -> tuple[str, str]:
        """The free-text byline's name and bio."""
        if isinstance(self.byline, str):
            name, bio = self.byline, ""
        elif self.byline is not None:
            name, bio = self.byline.name, self.byline.bio or ""
        else:
            name, bio = "", ""
        return (name or ("" if self.authors else editor.name)), bio


# -- staff (the path names the member) -----------------------------------------------------------------------


class AddStaff(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new staff member; the receipt carries their token, which is stored nowhere."""

    permission: ClassVar[Permission | None] = Permission.MANAGE_STAFF
    name: StaffName
    role: Role


class IssueToken(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A fresh token for a staff member; the old one stops working."""

    permission: ClassVar[Permission | None] = Permission.MANAGE_STAFF


class ChangeRole(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    permission: ClassVar[Permission | None] = Permission.MANAGE_STAFF
    role: Role


class ChangeProfile(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What readers see of a staff member who writes: the name shown, a short bio, a picture (a member's
    own to change, or an admin's)."""

    display_name: Annotated[str, Meta(max_length=rules.DISPLAY_NAME_MAX, pattern=rules.LINE)]
    bio: Annotated[str, Meta(max_length=rules.BIO_MAX, pattern=rules.OPTIONAL_LINE)] | None = None
    picture_url: Url | None = None


class DeactivateStaff(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    permission: ClassVar[Permission | None] = Permission.MANAGE_STAFF


# -- moderators and admins -----------------------------------------------------------------------------------


class BanCommenter(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Stops a commenter from commenting: by ``name`` (the name they sign with), by ``client`` (the
    pseudonym of where they post from, as the queue shows it), or both. The receipt's id is the ban's."""

    permission: ClassVar[Permission | None] = Permission.MODERATE_COMMENTS
    schema_extra: ClassVar[dict[str, Any]] = {"anyOf": [{"required": ["name"]}, {"required": ["client"]}]}
    reason: Reason
    name: Author | UnsetType = UNSET
    client: Annotated[str, Meta(pattern=rules.PSEUDONYM_PATTERN)] | UnsetType = UNSET


class LiftBan(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ends a ban (the path names it); the reason stays on the record."""

    permission: ClassVar[Permission | None] = Permission.MODERATE_COMMENTS
    reason: Reason


class EraseBan(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Destroys the name and client a ban holds (with the commenter's comments): the ban ends."""

    permission: ClassVar[Permission | None] = Permission.ERASE_CONTENT
    reason: Reason


class CommentRef(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slug: Annotated[str, Meta(min_length=1, max_length=rules.SLUG_MAX, pattern=rules.SLUG_PATTERN)]
    id: Hex


class ModerateComments(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Hide, restore or approve many comments, of any stories, at once: all or nothing. Comments already
    as asked are passed over (listed in ``unchanged``)."""

    permission: ClassVar[Permission | None] = Permission.MODERATE_COMMENTS
    schema_extra: ClassVar[dict[str, Any]] = {  # a reason is needed to hide or restore
        "anyOf": [{"properties": {"action": {"const": "approve"}}}, {"required": ["reason"]}]
    }
    action: ModerationAction
    comments: Annotated[list[CommentRef], Meta(min_length=1, max_length=BULK_MAX)]
    reason: Reason | UnsetType = UNSET


class EraseComments(Action, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Erases several comments of one story (the path names it) in one save: a commenter's, say. Those
    already erased are passed over."""

    permission: ClassVar[Permission | None] = Permission.ERASE_CONTENT
    comments: Annotated[list[Hex], Meta(min_length=1, max_length=BULK_MAX)]
    reason: Reason


@dataclass(frozen=True, slots=True)
class Order:
    """An action asked by someone, with what the path names (the staff member's name, the ban's id, the
    story's slug) and the request's Idempotency-Key: data, for ``Newsroom.handle``."""

    action: Action
    by: Principal
    subject: Any = None
    request: RequestKey | None = None

    def __post_init__(self) -> None:
        if (permission := type(self.action).permission) is not None:
            self.by.require(permission)

    @property
    def name(self) -> str:
        return type(self.action).command_name()
