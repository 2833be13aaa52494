"""Erasing a commenter: every comment signed with their name, on every story, and the bans that name them.

The comments are found in the moderation read model (by the name as ``newsroom.bans.name_key`` matches
it), once it has caught up with the log; each story's comments are erased in one save
(``Newsroom.erase_comments``), and the bans naming them are erased with them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from newsroom import Newsroom, Principal, rules
from newsroom.errors import ValidationError
from projections.registry import ReadModels

CATCH_UP_SECONDS = 30.0


@dataclass
class CommenterErased:
    name: str
    comments: int = 0
    stories: list[str] = field(default_factory=list)
    bans: int = 0
    position: int = 0  # of the last erasure: read models that reach it no longer hold the text


def find_commenter(app: Newsroom, read_models: ReadModels, name: str) -> dict[str, list[UUID]]:
    """The commenter's comments not yet erased, by story, once the moderation read model holds every
    comment in the log now (so none written a moment ago is missed)."""
    checked = rules.line("name", name, rules.COMMENT_AUTHOR_MAX)
    if not read_models.wait_for(app.last_position(), CATCH_UP_SECONDS, "moderation"):
        raise TimeoutError("the moderation read model is behind the log: is the projector running?")
    found: dict[str, list[UUID]] = defaultdict(list)
    for comment in read_models.comments_by(checked):
        if comment["slug"] is not None:
            found[comment["slug"]].append(UUID(hex=comment["id"]))
    return dict(found)


def erase_commenter(
    app: Newsroom, read_models: ReadModels, name: str, *, reason: str, by: Principal
) -> CommenterErased:
    if not reason.strip():
        raise ValidationError("reason", "say why (the legal reason): it is kept on the record")
    found = find_commenter(app, read_models, name)
    report = CommenterErased(name=name)
    for slug, comment_ids in sorted(found.items()):
        receipt = app.erase_comments(slug, comment_ids, reason=reason, by=by)
        report.comments += len(comment_ids)
        report.stories.append(slug)
        report.position = max(report.position, receipt.position)
    for ban in read_models.bans(active_only=False, name=name):
        if ban["erased"] is None:
            receipt = app.erase_ban(UUID(hex=ban["id"]), reason=reason, by=by)
            report.bans += 1
            report.position = max(report.position, receipt.position)
    return report


def wait_until_gone(read_models: ReadModels, position: int, timeout: float = 60.0) -> bool:
    """Whether every read model holds ``position`` (the erasure) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    for projection in read_models.projections:
        if not read_models.wait_for(position, max(0.0, deadline - time.monotonic()), projection.name):
            return False
    return True
