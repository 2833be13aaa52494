"""Every JSON response body of the API, declared once as a struct: the OpenAPI document's response schemas are
generated from these (``web/openapi.py``), and the write endpoints encode them as they answer.

A struct that forbids unknown fields is a closed object in the document; the few that answer with more than
they name (an article page, a tree head) are open. A field left ``UNSET`` is left out of the body.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from newsroom import rules

Slug = Annotated[str, Meta(pattern=rules.SLUG_PATTERN, max_length=rules.SLUG_MAX)]
LogPosition = Annotated[int, Meta(ge=0)]
Hash = Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]
Objects = list[dict[str, Any]]


class Closed(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A response body that holds only its fields."""


class Open(msgspec.Struct, kw_only=True):
    """A response body that may hold more than its fields."""


class ErrorDetail(Closed, kw_only=True):
    code: str
    message: str
    details: dict[str, Any] | UnsetType = UNSET


class Error(Closed, kw_only=True):
    error: ErrorDetail


class Receipt(Closed, kw_only=True):
    """What a write stored: the article's new version and the log position of its last event."""

    version: Annotated[int, Meta(ge=1)]
    position: LogPosition
    slug: Slug | UnsetType = UNSET
    update_id: str | UnsetType = UNSET
    comment_id: str | UnsetType = UNSET
    embed_id: str | UnsetType = UNSET


class Health(Open, kw_only=True):
    pass


class ArticlePage(Open, kw_only=True):
    slug: Slug
    headline: str
    body: str
    byline: dict[str, Any]
    status: Literal["draft", "published", "unpublished"]
    version: int
    updates: Objects
    comments: Objects
    pinned: list[str]
    position: LogPosition | UnsetType = UNSET
    published_at: str | UnsetType | None = UNSET


class FrontPage(Closed, kw_only=True):
    articles: Objects
    next_before: int | None


class EventRecord(Closed, kw_only=True):
    position: int | None
    version: int
    at: str
    actor: str | None
    type: str
    aggregate_id: str
    data: dict[str, Any]
    summary: Annotated[str, Meta(description="What happened, in words")] | UnsetType = UNSET


class ArticleHistory(Closed, kw_only=True):
    slug: Slug
    events: list[EventRecord]
    next_after_version: int | None


class EventLog(Closed, kw_only=True):
    events: list[EventRecord]
    next_after: int | None


class Moderation(Closed, kw_only=True):
    comments: Objects
    counts: dict[str, int]
    next_before: int | None
    story: dict[str, Any] | UnsetType = UNSET


class BulkModerated(Closed, kw_only=True):
    changed: int
    unchanged: Objects
    position: int | None


class Bans(Closed, kw_only=True):
    bans: Objects


class Banned(Closed, kw_only=True):
    ban_id: str
    position: LogPosition


class Position(Closed, kw_only=True):
    position: LogPosition


class CommenterErased(Closed, kw_only=True):
    comments: int
    stories: list[str]
    bans: int
    position: int | None


class TreeHead(Open, kw_only=True):
    tree_size: Annotated[int, Meta(ge=0)]
    root_hash: Hash
    last_position: LogPosition
    timestamp: str
    signature: Annotated[str | None, Meta(description="base64 Ed25519, or null if no key")]
    public_key: str | UnsetType = UNSET
    key_id: str | UnsetType = UNSET


class ItemProof(Closed, kw_only=True):
    slug: Slug
    kind: Literal["update", "correction"]
    position: LogPosition
    leaf_input: Annotated[str, Meta(description="base64 of the exact bytes the leaf hashes")]
    key: Annotated[str | None, Meta(description="base64 AES-256-GCM key of its sealed words")]
    proof: dict[str, Any]
    tree_head: TreeHead
    id: str | UnsetType = UNSET
    version: int | UnsetType = UNSET


class VersionDiff(Closed, kw_only=True):
    slug: Slug
    from_: dict[str, Any] = msgspec.field(name="from")
    to: dict[str, Any]
    events: int
    headline: dict[str, Any] | None
    body: dict[str, Any] | None
    status: dict[str, Any] | None
    tags: dict[str, Any]
    updates: dict[str, Any]
    comments: dict[str, Any]
    other: list[Any] | UnsetType = UNSET
    changes: Objects | UnsetType = UNSET


class InclusionProof(Closed, kw_only=True):
    position: LogPosition
    leaf_index: int
    leaf_hash: str
    tree_size: int
    root_hash: str
    audit_path: list[str]


class Member(Closed, kw_only=True):
    name: str
    role: Literal["editor", "moderator", "auditor", "admin"]
    permissions: list[str]
    display_name: str
    bio: str
    picture_url: str


class StaffEntry(Closed, kw_only=True):
    name: str
    role: str
    display_name: str


class StaffList(Closed, kw_only=True):
    staff: list[StaffEntry]


class DeskStoryList(Closed, kw_only=True):
    stories: Objects
    next_before: int | None


class Markdown(Closed, kw_only=True):
    html: str


class SearchResults(Closed, kw_only=True):
    results: Objects


class Editor(Closed, kw_only=True):
    name: str
    display_name: str


class Presence(Closed, kw_only=True):
    editors: list[Editor]


class PreviewLink(Closed, kw_only=True):
    url: str
    expires_at: int


class Committed(Closed, kw_only=True):
    slug: Slug
    headline: str
    body: str


class EmbargoRecord(Closed, kw_only=True):
    position: LogPosition
    leaf_input: str
    leaf_hash: str


class EmbargoProof(Closed, kw_only=True):
    slug: Slug
    committed: Committed
    commitment: Hash
    embargoed_at: str
    until: str
    released_at: str
    record: EmbargoRecord


class ConsistencyProof(Closed, kw_only=True):
    from_: int = msgspec.field(name="from")
    to: int
    from_root: str
    to_root: str
    proof: list[str]


RESPONSES: tuple[type[msgspec.Struct], ...] = (
    Error,
    Receipt,
    Health,
    ArticlePage,
    FrontPage,
    EventRecord,
    ArticleHistory,
    EventLog,
    Moderation,
    BulkModerated,
    Bans,
    Banned,
    Position,
    CommenterErased,
    ItemProof,
    VersionDiff,
    TreeHead,
    InclusionProof,
    Member,
    StaffList,
    DeskStoryList,
    Markdown,
    SearchResults,
    Presence,
    PreviewLink,
    EmbargoProof,
    ConsistencyProof,
)
