"""What each change to an article is: who may make it, and what it does to a copy of the article.

A ``Command`` is built without touching the store (a permission the principal lacks, or an edit that asks
for nothing, is refused here); the application then runs it on a copy of the article and saves the events
it records. The web app builds commands on its event loop and saves several in one transaction; the
application's methods of the same names build and execute them one at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from newsroom.article import Article
from newsroom.errors import ValidationError
from newsroom.idempotency import RequestKey
from newsroom.staff import Permission, Principal


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    slug: str
    run: Callable[[Article], object]  # records events on the article, or raises a rule's error
    expected_version: int | None = None  # If-Match: refused with a conflict unless the article is at it
    request: RequestKey | None = None  # Idempotency-Key: a retried request gets the first answer


def _editor(by: Principal) -> Principal:
    by.require(Permission.WRITE_ARTICLES)
    return by


def publish(
    slug: str, *, by: Principal, expected_version: int | None = None, request: RequestKey | None = None
) -> Command:
    actor = _editor(by).actor
    return Command("publish", slug, lambda a: a.publish(actor=actor), expected_version, request)


def unpublish(
    slug: str,
    *,
    reason: str,
    by: Principal,
    expected_version: int | None = None,
    request: RequestKey | None = None,
) -> Command:
    actor = _editor(by).actor
    return Command(
        "unpublish", slug, lambda a: a.unpublish(reason=reason, actor=actor), expected_version, request
    )


def edit_article(
    slug: str,
    *,
    headline: str | None = None,
    body: str | None = None,
    correction_note: str | None = None,
    by: Principal,
    expected_version: int | None = None,
    request: RequestKey | None = None,
) -> Command:
    """Headline and/or body in one atomic change; a correction note goes with a body revision."""
    actor = _editor(by).actor
    if headline is None and body is None:
        raise ValidationError("headline", "give a headline, a body, or both")
    if correction_note is not None and body is None:
        raise ValidationError("correction_note", "a correction note goes with a body")

    def edit(article: Article) -> None:
        if headline is not None:
            article.change_headline(headline=headline, actor=actor)
        if body is not None:
            article.revise_body(body=body, correction_note=correction_note, actor=actor)

    return Command("edit_article", slug, edit, expected_version, request)


def append_update(
    slug: str,
    *,
    body: str,
    label: str | None = None,
    by: Principal,
    expected_version: int | None = None,
    request: RequestKey | None = None,
) -> Command:
    actor = _editor(by).actor
    return Command(
        "append_update",
        slug,
        lambda a: a.append_update(body=body, label=label, actor=actor),
        expected_version,
        request,
    )


def revise_update(
    slug: str,
    update_id: UUID,
    *,
    body: str,
    note: str | None = None,
    by: Principal,
    expected_version: int | None = None,
    request: RequestKey | None = None,
) -> Command:
    actor = _editor(by).actor
    return Command(
        "revise_update",
        slug,
        lambda a: a.revise_update(update_id, body=body, note=note, actor=actor),
        expected_version,
        request,
    )


def strike_update(
    slug: str,
    update_id: UUID,
    *,
    reason: str,
    by: Principal,
    expected_version: int | None = None,
    request: RequestKey | None = None,
) -> Command:
    actor = _editor(by).actor
    return Command(
        "strike_update",
        slug,
        lambda a: a.strike_update(update_id, reason=reason, actor=actor),
        expected_version,
        request,
    )


def pin_update(
    slug: str,
    update_id: UUID,
    *,
    by: Principal,
    expected_version: int | None = None,
    request: RequestKey | None = None,
) -> Command:
    return _marking(Article.pin_update, slug, update_id, by, expected_version, request)


def unpin_update(
    slug: str,
    update_id: UUID,
    *,
    by: Principal,
    expected_version: int | None = None,
    request: RequestKey | None = None,
) -> Command:
    return _marking(Article.unpin_update, slug, update_id, by, expected_version, request)


def _marking(
    method: Callable[..., None],
    slug: str,
    update_id: UUID,
    by: Principal,
    expected_version: int | None,
    request: RequestKey | None,
) -> Command:
    actor = _editor(by).actor
    return Command(
        method.__name__, slug, lambda a: method(a, update_id, actor=actor), expected_version, request
    )


def tag(slug: str, tag: str, *, by: Principal, request: RequestKey | None = None) -> Command:
    actor = _editor(by).actor
    return Command("tag", slug, lambda a: a.add_tag(tag, actor=actor), None, request)


def untag(slug: str, tag: str, *, by: Principal, request: RequestKey | None = None) -> Command:
    actor = _editor(by).actor
    return Command("untag", slug, lambda a: a.remove_tag(tag, actor=actor), None, request)


def attach_embed(
    slug: str,
    *,
    kind: str,
    url: str,
    caption: str | None = None,
    by: Principal,
    request: RequestKey | None = None,
) -> Command:
    actor = _editor(by).actor
    return Command(
        "attach_embed",
        slug,
        lambda a: a.attach_embed(kind=kind, url=url, caption=caption, actor=actor),
        None,
        request,
    )


def remove_embed(slug: str, embed_id: UUID, *, by: Principal, request: RequestKey | None = None) -> Command:
    actor = _editor(by).actor
    return Command("remove_embed", slug, lambda a: a.remove_embed(embed_id, actor=actor), None, request)


def link_related(
    slug: str, *, url: str, title: str, by: Principal, request: RequestKey | None = None
) -> Command:
    actor = _editor(by).actor
    return Command(
        "link_related", slug, lambda a: a.link_related(url=url, title=title, actor=actor), None, request
    )


def close_comments(slug: str, *, by: Principal, request: RequestKey | None = None) -> Command:
    actor = _editor(by).actor
    return Command("close_comments", slug, lambda a: a.close_comments(actor=actor), None, request)


def reopen_comments(slug: str, *, by: Principal, request: RequestKey | None = None) -> Command:
    actor = _editor(by).actor
    return Command("reopen_comments", slug, lambda a: a.reopen_comments(actor=actor), None, request)


def add_comment(
    slug: str,
    *,
    author: str,
    body: str,
    reply_to: UUID | None = None,
    request: RequestKey | None = None,
) -> Command:
    return Command(
        "add_comment",
        slug,
        lambda a: a.add_comment(author=author, body=body, reply_to=reply_to),
        None,
        request,
    )


def hide_comment(
    slug: str, comment_id: UUID, *, reason: str, by: Principal, request: RequestKey | None = None
) -> Command:
    return _moderation(Article.hide_comment, slug, comment_id, reason, by, request)


def restore_comment(
    slug: str, comment_id: UUID, *, reason: str, by: Principal, request: RequestKey | None = None
) -> Command:
    return _moderation(Article.restore_comment, slug, comment_id, reason, by, request)


def _moderation(
    method: Callable[..., None],
    slug: str,
    comment_id: UUID,
    reason: str,
    by: Principal,
    request: RequestKey | None,
) -> Command:
    by.require(Permission.MODERATE_COMMENTS)
    actor = by.actor
    return Command(
        method.__name__, slug, lambda a: method(a, comment_id, reason=reason, actor=actor), None, request
    )
