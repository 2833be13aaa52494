"""Article routes: editors write, readers read and comment, moderators moderate. Handlers stay thin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from newsroom import Principal, commands
from newsroom.commands import Command
from newsroom.errors import ArticleNotFoundError, ValidationError
from newsroom.staff import Permission
from web.audit import article_as_of
from web.auth import optional_staff, staff
from web.clients import client_id
from web.concurrency import blocking
from web.http import JSON, HTTPError, read_json, reject_unknown, text
from web.params import int_param, read_your_writes
from web.services import services
from web.writes import expected_version, path_slug, path_uuid, receipt, request_key, write, write_blocking

PAGE_MAX = 100


async def _staff_body(
    request: Request, permission: Permission, fields: set[str]
) -> tuple[Principal, str, dict[str, Any], bytes]:
    """Who asks (401/403 first), the article in the path (404), then the JSON body with only ``fields``."""
    who = await staff(request, permission)
    slug = path_slug(request)
    body, raw = await read_json(request)
    reject_unknown(body, fields)
    return who, slug, body, raw


async def _staff_item_body(
    request: Request, permission: Permission, item: str, fields: set[str]
) -> tuple[Principal, str, UUID, dict[str, Any], bytes]:
    """Like ``_staff_body`` for routes that name an update or comment: its id is checked before the body."""
    who = await staff(request, permission)
    slug, item_id = path_slug(request), path_uuid(request, item)
    body, raw = await read_json(request)
    reject_unknown(body, fields)
    return who, slug, item_id, body, raw


# -- editors ---------------------------------------------------------------------------------------


async def draft_article(request: Request) -> Response:
    editor = await staff(request, Permission.WRITE_ARTICLES)
    body, raw = await read_json(request)
    reject_unknown(body, {"slug", "headline", "body", "byline", "tags"})
    byline = body.get("byline") or {}
    if isinstance(byline, str):
        byline = {"name": byline}
    if not isinstance(byline, dict):
        raise ValidationError("byline", "must be an object {name, bio} or a name")
    tags = body.get("tags")
    if tags is not None and not isinstance(tags, list):
        raise ValidationError("tags", "must be a list of tags")
    app = services(request).app
    result = await write_blocking(
        request,
        app.draft_article,
        slug=text(body, "slug"),
        headline=text(body, "headline"),
        body=text(body, "body"),
        byline_name=byline.get("name") or editor.name,
        byline_bio=byline.get("bio") or "",
        tags=tags,
        by=editor,
        request=request_key(request, editor.actor, raw),
    )
    return receipt(result, status=201, slug=body["slug"])


async def publish(request: Request) -> Response:
    editor, slug = await staff(request, Permission.WRITE_ARTICLES), path_slug(request)
    command = commands.publish(
        slug,
        by=editor,
        expected_version=expected_version(request),
        request=request_key(request, editor.actor),
    )
    return receipt(await write(request, command))


async def unpublish(request: Request) -> Response:
    editor, slug, body, raw = await _staff_body(request, Permission.WRITE_ARTICLES, {"reason"})
    command = commands.unpublish(
        slug,
        reason=text(body, "reason"),
        by=editor,
        expected_version=expected_version(request),
        request=request_key(request, editor.actor, raw),
    )
    return receipt(await write(request, command))


async def close_comments(request: Request) -> Response:
    return await _comments_switch(request, commands.close_comments)


async def reopen_comments(request: Request) -> Response:
    return await _comments_switch(request, commands.reopen_comments)


async def _comments_switch(request: Request, build: Callable[..., Command]) -> Response:
    editor, slug = await staff(request, Permission.WRITE_ARTICLES), path_slug(request)
    return receipt(await write(request, build(slug, by=editor, request=request_key(request, editor.actor))))


async def edit_article(request: Request) -> Response:
    editor, slug, body, raw = await _staff_body(
        request, Permission.WRITE_ARTICLES, {"headline", "body", "correction_note"}
    )
    result = await write(
        request,
        commands.edit_article(
            slug,
            headline=text(body, "headline", required=False),
            body=text(body, "body", required=False),
            correction_note=text(body, "correction_note", required=False),
            by=editor,
            expected_version=expected_version(request),
            request=request_key(request, editor.actor, raw),
        ),
    )
    return receipt(result)


async def append_update(request: Request) -> Response:
    editor, slug, body, raw = await _staff_body(request, Permission.WRITE_ARTICLES, {"body", "label"})
    result = await write(
        request,
        commands.append_update(
            slug,
            body=text(body, "body"),
            label=text(body, "label", required=False),
            by=editor,
            expected_version=expected_version(request),
            request=request_key(request, editor.actor, raw),
        ),
    )
    return receipt(result, status=201, id_field="update_id")


async def revise_update(request: Request) -> Response:
    editor, slug, update_id, body, raw = await _staff_item_body(
        request, Permission.WRITE_ARTICLES, "update_id", {"body", "note"}
    )
    result = await write(
        request,
        commands.revise_update(
            slug,
            update_id,
            body=text(body, "body"),
            note=text(body, "note", required=False),
            by=editor,
            expected_version=expected_version(request),
            request=request_key(request, editor.actor, raw),
        ),
    )
    return receipt(result)


async def strike_update(request: Request) -> Response:
    editor, slug, update_id, body, raw = await _staff_item_body(
        request, Permission.WRITE_ARTICLES, "update_id", {"reason"}
    )
    result = await write(
        request,
        commands.strike_update(
            slug,
            update_id,
            reason=text(body, "reason"),
            by=editor,
            expected_version=expected_version(request),
            request=request_key(request, editor.actor, raw),
        ),
    )
    return receipt(result)


async def pin_update(request: Request) -> Response:
    return await _update_flag(request, commands.pin_update)


async def unpin_update(request: Request) -> Response:
    return await _update_flag(request, commands.unpin_update)


async def _update_flag(request: Request, build: Callable[..., Command]) -> Response:
    editor = await staff(request, Permission.WRITE_ARTICLES)
    slug, update_id = path_slug(request), path_uuid(request, "update_id")
    result = await write(
        request,
        build(
            slug,
            update_id,
            by=editor,
            expected_version=expected_version(request),
            request=request_key(request, editor.actor),
        ),
    )
    return receipt(result)


async def add_tag(request: Request) -> Response:
    editor, slug, body, raw = await _staff_body(request, Permission.WRITE_ARTICLES, {"tag"})
    result = await write(
        request,
        commands.tag(
            slug,
            text(body, "tag"),
            by=editor,
            request=request_key(request, editor.actor, raw),
        ),
    )
    return receipt(result)


async def remove_tag(request: Request) -> Response:
    editor = await staff(request, Permission.WRITE_ARTICLES)
    slug = path_slug(request)
    result = await write(
        request,
        commands.untag(
            slug,
            request.path_params["tag"],
            by=editor,
            request=request_key(request, editor.actor),
        ),
    )
    return receipt(result)


async def attach_embed(request: Request) -> Response:
    editor, slug, body, raw = await _staff_body(
        request, Permission.WRITE_ARTICLES, {"kind", "url", "caption"}
    )
    result = await write(
        request,
        commands.attach_embed(
            slug,
            kind=text(body, "kind"),
            url=text(body, "url"),
            caption=text(body, "caption", required=False),
            by=editor,
            request=request_key(request, editor.actor, raw),
        ),
    )
    return receipt(result, status=201, id_field="embed_id")


async def link_related(request: Request) -> Response:
    editor, slug, body, raw = await _staff_body(request, Permission.WRITE_ARTICLES, {"url", "title"})
    result = await write(
        request,
        commands.link_related(
            slug,
            url=text(body, "url"),
            title=text(body, "title"),
            by=editor,
            request=request_key(request, editor.actor, raw),
        ),
    )
    return receipt(result, status=201)


# -- readers ---------------------------------------------------------------------------------------


async def add_comment(request: Request) -> Response:
    slug = path_slug(request)
    body, raw = await read_json(request)
    reject_unknown(body, {"author", "body", "reply_to"})
    reply_to = text(body, "reply_to", required=False)
    try:
        reply_uuid = None if reply_to is None else UUID(hex=reply_to)
    except ValueError:
        raise ValidationError("reply_to", "must be a comment id") from None
    svc = services(request)
    client = client_id(request)
    retry_after = await svc.comment_limiter.hit(client)
    if retry_after is not None:
        wait = max(1, round(retry_after + 0.5))
        raise HTTPError(
            429,
            "rate_limited",
            f"too many comments; try again in {wait} s",
            headers={"Retry-After": str(wait)},
            retry_after=wait,
        )
    result = await write(
        request,
        commands.add_comment(
            slug,
            author=text(body, "author"),
            body=text(body, "body"),
            reply_to=reply_uuid,
            request=request_key(request, f"client:{client}", raw),
        ),
    )
    return receipt(result, status=201, id_field="comment_id")


async def get_article(request: Request) -> Response:
    slug = path_slug(request)
    svc = services(request)
    if "as_of" in request.query_params:
        return await article_as_of(request, slug)
    await read_your_writes(request, "article-pages")
    page = await blocking(svc.read_models.article_page, slug)
    if page is None:
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    if page["status"] != "published":
        # Drafts and unpublished stories are for the newsroom only.
        viewer = await optional_staff(request)
        if viewer is None or not viewer.may(Permission.WRITE_ARTICLES):
            raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    return JSON(page, headers={"ETag": f'"{page["version"]}"', "Cache-Control": "no-cache"})


async def list_articles(request: Request) -> Response:
    limit = int_param(request, "limit", 20, low=1, high=PAGE_MAX) or 20
    before = int_param(request, "before", None, low=1)
    tag = request.query_params.get("tag") or None
    svc = services(request)
    await read_your_writes(request, "front-page")
    articles = await blocking(svc.read_models.front_page, limit=limit, before=before, tag=tag)
    following = articles[-1]["activity"] if len(articles) == limit else None
    return JSON({"articles": articles, "next_before": following})


# -- moderators ------------------------------------------------------------------------------------


async def hide_comment(request: Request) -> Response:
    return await _moderate(request, commands.hide_comment)


async def restore_comment(request: Request) -> Response:
    return await _moderate(request, commands.restore_comment)


async def _moderate(request: Request, build: Callable[..., Command]) -> Response:
    moderator, slug, comment_id, body, raw = await _staff_item_body(
        request, Permission.MODERATE_COMMENTS, "comment_id", {"reason"}
    )
    result = await write(
        request,
        build(
            slug,
            comment_id,
            reason=text(body, "reason"),
            by=moderator,
            request=request_key(request, moderator.actor, raw),
        ),
    )
    return receipt(result)


async def moderation_queue(request: Request) -> Response:
    await staff(request, Permission.MODERATE_COMMENTS)
    slug = request.query_params.get("slug") or None
    hidden = request.query_params.get("hidden") in ("1", "true", "yes")
    limit = int_param(request, "limit", 100, low=1, high=PAGE_MAX) or 100
    await read_your_writes(request, "moderation")
    comments = await blocking(
        services(request).read_models.moderation, slug=slug, hidden_only=hidden, limit=limit
    )
    return JSON({"comments": comments})
