"""Every kind of live message, declared once: what the read model sends readers when a story changes.

Each kind says which document of the message a fragment renders (``shows``: the server renders it as the
page would), what a page does with it (``action``: the pages' scripts know actions, never kinds; they get
this table as JSON), whether it takes back what earlier frames showed (``withdraws``: the fan-out drops those
frames so that no reader who resumes gets them), and whether the front page changes with it. The fan-out,
the fragments and the pages' scripts all read this table; a new kind is one line here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

Document = Literal["update", "comment", "embed"]


@dataclass(frozen=True)
class LiveKind:
    name: str
    action: str
    shows: Document | None = None
    withdraws: bool = False
    front_page: bool = False


ARTICLE = LiveKind("article-published", "article", front_page=True)
WITHDRAWN = LiveKind("article-unpublished", "withdrawn", withdraws=True, front_page=True)
HEADLINE = LiveKind("headline-changed", "headline", front_page=True)
BODY = LiveKind("body-revised", "body")
COVERAGE_ENDED = LiveKind("coverage-ended", "end-coverage")
AUTHORS = LiveKind("authors-changed", "byline")
UPDATE_APPENDED = LiveKind("update-appended", "new-update", shows="update", front_page=True)
UPDATE_REVISED = LiveKind("update-revised", "update", shows="update")
UPDATE_KEY = LiveKind("update-key-changed", "update", shows="update")
UPDATE_STRUCK = LiveKind("update-struck", "update", shows="update")
UPDATE_PINNED = LiveKind("update-pinned", "update", shows="update")
UPDATE_UNPINNED = LiveKind("update-unpinned", "update", shows="update")
UPDATE_ERASED = LiveKind("update-erased", "update", shows="update", withdraws=True)
COMMENT_ADDED = LiveKind("comment-added", "comment", shows="comment", front_page=True)
COMMENT_RESTORED = LiveKind("comment-restored", "comment", shows="comment")
COMMENT_HIDDEN = LiveKind("comment-hidden", "hide-comment", withdraws=True)
COMMENT_ERASED = LiveKind("comment-erased", "comment", shows="comment", withdraws=True)
PREMODERATION = LiveKind("comment-moderation-changed", "premoderation")
TAG_ADDED = LiveKind("tag-added", "tags")
TAG_REMOVED = LiveKind("tag-removed", "tags")
EMBED_ATTACHED = LiveKind("embed-attached", "add-embed", shows="embed")
EMBED_REMOVED = LiveKind("embed-removed", "remove-embed")
RELATED = LiveKind("related-linked", "related")
COMMENTS_CLOSED = LiveKind("comments-closed", "close-comments")
COMMENTS_REOPENED = LiveKind("comments-reopened", "reopen-comments")

KINDS: Final = tuple(value for value in dict(globals()).values() if isinstance(value, LiveKind))
BY_NAME: Final = {kind.name: kind for kind in KINDS}
WITHDRAWING: Final = frozenset(kind.name for kind in KINDS if kind.withdraws)
FRAGMENTS: Final = {kind.name: kind.shows for kind in KINDS if kind.shows is not None}


def for_pages() -> dict[str, dict[str, Any]]:
    """The table as the pages' scripts get it: kind -> what it is."""
    return {kind.name: {key: value for key, value in asdict(kind).items() if key != "name"} for kind in KINDS}
