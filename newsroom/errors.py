"""Every error the application raises on purpose.

Each has a stable snake_case ``code`` (the web layer maps classes to HTTP statuses and puts the code in the
JSON error body) and optional ``details`` that a client can act on.
"""

from __future__ import annotations

from typing import Any


class NewsroomError(Exception):
    code = "newsroom_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


# -- bad input -------------------------------------------------------------------------------------


class ValidationError(NewsroomError):
    """A field of a command failed validation; ``field`` names it."""

    code = "validation_failed"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)
        self.field = field


# -- missing things --------------------------------------------------------------------------------


class NotFoundError(NewsroomError):
    code = "not_found"


class ArticleNotFoundError(NotFoundError):
    code = "article_not_found"


class UpdateNotFoundError(NotFoundError):
    code = "update_not_found"


class CommentNotFoundError(NotFoundError):
    code = "comment_not_found"


class EmbedNotFoundError(NotFoundError):
    code = "embed_not_found"


class StaffNotFoundError(NotFoundError):
    code = "staff_not_found"


class VersionNotFoundError(NotFoundError):
    code = "version_not_found"


class ArticleWithdrawnError(NotFoundError):
    """A story that was published and has been withdrawn: ``details`` say when and why."""

    code = "article_withdrawn"


class ItemErasedError(NotFoundError):
    """The update, comment or ban was erased (lawful removal): nothing of it can be shown or changed."""

    code = "erased"


class NotEmbargoedError(NotFoundError):
    code = "not_embargoed"


class NotInAuditTreeError(NotFoundError):
    """A position or subtree the audit tree has not recorded (yet)."""

    code = "not_in_audit_tree"


# -- conflicts with what is already stored ---------------------------------------------------------


class ConflictError(NewsroomError):
    code = "conflict"


class SlugTakenError(ConflictError):
    code = "slug_taken"


class StaffNameTakenError(ConflictError):
    code = "staff_name_taken"


class VersionConflictError(ConflictError):
    """The caller's expected version is stale; ``current_version`` says what it is now."""

    code = "version_conflict"

    def __init__(self, expected_version: int, current_version: int, changed: str | None = None) -> None:
        what = f"its {changed} changed" if changed else "it changed"
        super().__init__(
            f"expected version {expected_version}, but the article is at version {current_version} and "
            f"{what} since",
            expected_version=expected_version,
            current_version=current_version,
            **({"changed": changed} if changed else {}),
        )
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed = changed


class ContentionError(ConflictError):
    """Too many writers raced for one article; the caller may retry."""

    code = "write_contention"


# -- a command that the article's current state does not allow -------------------------------------


class InvalidStateError(ConflictError):
    code = "invalid_state"


class AlreadyPublishedError(InvalidStateError):
    code = "already_published"


class NotPublishedError(InvalidStateError):
    code = "not_published"


class CommentsClosedError(InvalidStateError):
    code = "comments_closed"


class CommentsAlreadyOpenError(InvalidStateError):
    code = "comments_already_open"


class UpdateStruckError(InvalidStateError):
    """The update was struck: it can no longer be revised, pinned or struck again."""

    code = "update_struck"


class AlreadyPinnedError(InvalidStateError):
    code = "already_pinned"


class NotPinnedError(InvalidStateError):
    code = "not_pinned"


class CommentHiddenError(InvalidStateError):
    """The comment is hidden: it cannot be hidden again or replied to."""

    code = "comment_hidden"


class CommentNotHiddenError(InvalidStateError):
    code = "comment_not_hidden"


class AlreadyTaggedError(InvalidStateError):
    code = "already_tagged"


class NotTaggedError(InvalidStateError):
    code = "not_tagged"


class AlreadyLinkedError(InvalidStateError):
    code = "already_linked"


class NotScheduledError(InvalidStateError):
    code = "not_scheduled"


class UpdateNotScheduledError(InvalidStateError):
    code = "update_not_scheduled"


class TimePassedError(InvalidStateError):
    """A time to schedule something for has already passed."""

    code = "time_passed"


class CoverageEndedError(InvalidStateError):
    code = "coverage_ended"


class NothingChangedError(InvalidStateError):
    """An edit that would store an event identical in effect to the current state."""

    code = "nothing_changed"


class LimitReachedError(InvalidStateError):
    code = "limit_reached"


class StaffDeactivatedError(InvalidStateError):
    code = "staff_deactivated"


# -- who is asking ---------------------------------------------------------------------------------


class AuthenticationError(NewsroomError):
    code = "unauthenticated"


class PermissionDeniedError(NewsroomError):
    code = "forbidden"
