"""What changed in an article between two versions, and who changed it.

The two pages come from the as-of view; the events between them say who did each thing and when. Every
entry names its actor (``staff:<name>``, or ``reader:<name>`` for a comment).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from newsroom import Newsroom
from newsroom.article import READER, Article
from newsroom.errors import ValidationError
from projections.documents import Doc, iso
from projections.history import Texts, event_type, in_words, page_as_of, plain_page, texts_of
from projections.textdiff import word_diff

if TYPE_CHECKING:
    from projections.registry import ReadModels


def _text(texts: Texts, event: Any) -> dict[str, Any]:
    """An event's opened text; empty fields where it was erased."""
    found = texts.get((event.originator_id, event.originator_version))
    return found if found is not None else defaultdict(str)


def _by(event: Any) -> dict[str, Any]:
    return {"by": event.actor, "at": iso(event.timestamp), "version": event.originator_version}


def _field(before: Doc, after: Doc, name: str, events: list[Any]) -> Doc | None:
    if not events and before[name] == after[name]:
        return None
    changed = {"before": before[name], "after": after[name], "changes": [_by(event) for event in events]}
    if name in ("headline", "body"):
        changed["segments"] = word_diff(before[name], after[name])
    return changed


def _about(event: Any, texts: Texts) -> str:
    """What an event did, in a few words beyond its name (empty when its name says it all)."""
    data = vars(event)
    if isinstance(event, Article.UpdateErased | Article.CommentErased | Article.Unpublished):
        return str(data["reason"])
    for field in ("reason", "tag", "headline", "correction_note", "title", "url"):
        if data.get(field):
            return str(data[field])
    if isinstance(event, Article.AuthorsChanged):
        return ", ".join(event.authors)
    if isinstance(event, Article.PublicationScheduled):
        return f"for {iso(event.at)}"
    if isinstance(event, Article.Embargoed):
        return f"until {iso(event.until)}, seen by {', '.join(event.staff)}"
    if "sealed" in data:
        text = texts.get((event.originator_id, event.originator_version))
        if text is None:
            return "(erased)"
        words = text.get("headline") or text.get("label") or text.get("body") or ""
        return str(words)[:120]
    return ""


def _in_words(event: Any, texts: Texts) -> Doc:
    """Every event between the versions, in words: what, about what, by whom, when."""
    data = vars(event)
    item = next((data[f] for f in ("update_id", "comment_id", "embed_id") if data.get(f) is not None), None)
    by = event.actor
    if isinstance(event, Article.CommentAdded):
        text = texts.get((event.originator_id, event.originator_version))
        by = f"{READER}:{text['author']}" if text else READER
    return {
        "summary": in_words(event_type(event), data),
        "about": _about(event, texts),
        "item": item.hex if item is not None else None,
        **_by(event),
        "by": by,
    }


def diff_pages(before: Doc, after: Doc, events: Sequence[Any], texts: Texts) -> Doc:
    """``before`` and ``after`` are plain as-of pages; ``events`` the article's events between them, whose
    sealed texts ``texts`` holds opened."""
    updates_before = {update["id"]: update for update in before["updates"]}
    comments_after = {comment["id"]: comment for comment in after["comments"]}
    touched: dict[str, list[Any]] = {"headline": [], "body": [], "status": []}
    updates: dict[str, list[Doc]] = {
        "added": [],
        "revised": [],
        "struck": [],
        "pinned": [],
        "unpinned": [],
        "released": [],
        "key_events": [],
        "erased": [],
    }
    comments: dict[str, list[Doc]] = {
        "added": [],
        "hidden": [],
        "restored": [],
        "approved": [],
        "flagged": [],
        "erased": [],
    }
    other: list[Doc] = []
    for event in events:
        if isinstance(event, Article.HeadlineChanged):
            touched["headline"].append(event)
        elif isinstance(event, Article.BodyRevised):
            touched["body"].append(event)
        elif isinstance(event, Article.Published | Article.Unpublished):
            touched["status"].append(event)
        elif isinstance(event, Article.UpdateAppended):
            text = _text(texts, event)
            updates["added"].append(
                {
                    "id": event.update_id.hex,
                    "label": text["label"] or None,
                    "body": text["body"],
                    **_by(event),
                }
            )
        elif isinstance(event, Article.UpdateRevised):
            text = _text(texts, event)
            was = updates_before.get(event.update_id.hex, {}).get("body")
            updates["revised"].append(
                {
                    "id": event.update_id.hex,
                    "before": was,
                    "after": text["body"],
                    "segments": word_diff(was, text["body"]),
                    "note": text["note"] or None,
                }
                | _by(event)
            )
        elif isinstance(event, Article.UpdateStruck):
            updates["struck"].append({"id": event.update_id.hex, "reason": event.reason, **_by(event)})
        elif isinstance(event, Article.UpdatePinned | Article.UpdateUnpinned):
            kind = "pinned" if isinstance(event, Article.UpdatePinned) else "unpinned"
            updates[kind].append({"id": event.update_id.hex, **_by(event)})
        elif isinstance(event, Article.CommentAdded):
            text = _text(texts, event)
            comments["added"].append(
                {
                    "id": event.comment_id.hex,
                    "author": text["author"],
                    "body": text["body"],
                    "visible_now": event.comment_id.hex in comments_after,
                    **_by(event),
                    "by": f"{READER}:{text['author']}" if text["author"] else READER,
                }
            )
        elif isinstance(event, Article.CommentHidden):
            comments["hidden"].append({"id": event.comment_id.hex, "reason": event.reason, **_by(event)})
        elif isinstance(event, Article.CommentRestored):
            comments["restored"].append({"id": event.comment_id.hex, "reason": event.reason, **_by(event)})
        elif isinstance(event, Article.CommentApproved):
            comments["approved"].append({"id": event.comment_id.hex, **_by(event)})
        elif isinstance(event, Article.CommentFlagged):
            comments["flagged"].append({"id": event.comment_id.hex, "reason": event.reason, **_by(event)})
        elif isinstance(event, Article.CommentErased):
            comments["erased"].append({"id": event.comment_id.hex, "reason": event.reason, **_by(event)})
        elif isinstance(event, Article.UpdateErased):
            updates["erased"].append({"id": event.update_id.hex, "reason": event.reason, **_by(event)})
        elif isinstance(event, Article.UpdateReleased):
            updates["released"].append({"id": event.update_id.hex, **_by(event)})
        elif isinstance(event, Article.UpdateKeyEventChanged):
            updates["key_events"].append({"id": event.update_id.hex, "key": event.key_event, **_by(event)})
        else:
            other.append(
                {
                    "type": event_type(event),
                    "summary": in_words(event_type(event)),
                    **_by(event),
                }
            )
    body = _field(before, after, "body", touched["body"])
    if body is not None:
        body["corrections"] = [
            {"note": event.correction_note, **_by(event)}
            for event in touched["body"]
            if event.correction_note
        ]
    return {
        "slug": after["slug"],
        "from": before["as_of"],
        "to": after["as_of"],
        "events": len(events),
        "headline": _field(before, after, "headline", touched["headline"]),
        "body": body,
        "status": _field(before, after, "status", touched["status"]),
        "tags": {
            "added": [tag for tag in after["tags"] if tag not in before["tags"]],
            "removed": [tag for tag in before["tags"] if tag not in after["tags"]],
        },
        "updates": updates,
        "comments": comments,
        "other": other,
        "changes": [_in_words(event, texts) for event in events],
    }


def article_diff(
    app: Newsroom, slug: str, *, from_version: int, to_version: int, read_models: ReadModels | None = None
) -> Doc:
    """What changed from one version to a later one; the two may come in either order."""
    from_version, to_version = sorted((from_version, to_version))
    if from_version < 1:
        raise ValidationError("from", "must be a version, from 1")
    before = plain_page(page_as_of(app, slug, version=from_version, read_models=read_models))
    after = plain_page(page_as_of(app, slug, version=to_version, read_models=read_models))
    events = list(app.article_events(slug, after_version=from_version, up_to_version=to_version))
    return diff_pages(before, after, events, texts_of(app, events))
