"""Every API endpoint, declared once: its method and path, what answers it, and what it takes and gives.

The Starlette routes (``web/app.py``) and the OpenAPI document (``web/openapi.py``) are both made from this
table, so the document says what the handlers do. A change to an article is one line: its method, path,
change (``newsroom.commands``) and status; ``web/changes.py`` handles them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from newsroom import actions, commands
from newsroom.commands import Change
from newsroom.staff import Permission
from web import articles, audit, changes, desk, live, moderation, ops, queries, search, verify

Handler = Callable[[Request], Awaitable[Any]]  # a Response, or an EventStream (web/live.py)

SLUG = "/api/articles/{slug}"
UPDATE = f"{SLUG}/updates/{{update_id}}"
COMMENT = f"{SLUG}/comments/{{comment_id}}"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    permission: Permission | None = None  # needs a staff token with this permission
    query: type[queries.Query] | None = None
    body: type[Any] | None = None  # the struct the body is decoded into
    response: str = "Receipt"  # the name of its schema (web/openapi.py), or a media type's
    status: int = 200
    errors: tuple[int, ...] = ()
    conditional: bool = False  # takes If-Match
    idempotent: bool = False  # takes Idempotency-Key
    stream: bool = False  # Server-Sent Events: served ahead of the middleware (web/live.py)
    optional_staff: bool = False  # a staff token is read if given (drafts, as-of views)
    signed_in: bool = False  # needs a staff token, whatever the role
    item: str | None = None  # the path names an update, comment, embed or tag
    change: type[Change] | None = None  # the change to an article it makes
    documented: bool = True  # in /openapi.json (not the Prometheus scrape, which is not JSON API)


def change(method: str, path: str, kind: type[Change], status: int = 200) -> Endpoint:
    """The endpoint of a change to an article: everything but its method, path and status comes from it."""
    errors: tuple[int, ...] = (400, 401, 403, 404, 409, 410, 413, 415, 422, 503)
    if kind.permission is None:
        errors = (400, 403, 404, 409, 410, 413, 415, 422, 429, 503)
    return Endpoint(
        method,
        path,
        changes.handler(kind, status),
        (kind.__doc__ or kind.name()).strip().splitlines()[0],
        permission=kind.permission,
        body=kind if kind.__struct_fields__ else None,
        status=status,
        errors=errors,
        conditional=kind.conditional,
        idempotent=True,
        item=kind.item,
        change=kind,
    )


AUDIT = Permission.READ_AUDIT
READ_ERRORS = (400, 422, 503)
AUDIT_ERRORS = (400, 401, 403, 404, 422, 503)

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        "/api/articles",
        articles.list_articles,
        "Published articles, most recently active first",
        query=queries.ArticleList,
        response="FrontPage",
        errors=READ_ERRORS,
    ),
    Endpoint(
        "POST",
        "/api/articles",
        changes.draft,
        "Draft an article",
        permission=Permission.WRITE_ARTICLES,
        body=actions.DraftArticle,
        status=201,
        errors=(400, 401, 403, 409, 413, 415, 422, 503),
        idempotent=True,
    ),
    Endpoint(
        "GET",
        SLUG,
        articles.get_article,
        "The article page (drafts for editors; for auditors, as it stood at ?as_of=)",
        query=queries.ArticleRead,
        response="ArticlePage",
        errors=(400, 401, 403, 404, 422, 503),
        optional_staff=True,
    ),
    change("PATCH", SLUG, commands.EditArticle),
    change("POST", f"{SLUG}/publish", commands.Publish),
    change("POST", f"{SLUG}/unschedule", commands.Unschedule),
    change("POST", f"{SLUG}/embargo", commands.Embargo),
    change("POST", f"{SLUG}/unpublish", commands.Unpublish),
    change("POST", f"{SLUG}/end-coverage", commands.EndCoverage),
    change("PUT", f"{SLUG}/authors", commands.SetAuthors),
    change("POST", f"{SLUG}/updates", commands.AppendUpdate, 201),
    change("PATCH", UPDATE, commands.ReviseUpdate),
    change("POST", f"{UPDATE}/strike", commands.StrikeUpdate),
    change("POST", f"{UPDATE}/pin", commands.PinUpdate),
    change("POST", f"{UPDATE}/unpin", commands.UnpinUpdate),
    change("POST", f"{UPDATE}/key-event", commands.MarkKeyEvent),
    change("DELETE", f"{UPDATE}/key-event", commands.UnmarkKeyEvent),
    change("POST", f"{UPDATE}/release", commands.ReleaseUpdate),
    change("POST", f"{SLUG}/tags", commands.Tag),
    change("DELETE", f"{SLUG}/tags/{{tag}}", commands.Untag),
    change("POST", f"{SLUG}/embeds", commands.AttachEmbed, 201),
    change("DELETE", f"{SLUG}/embeds/{{embed_id}}", commands.RemoveEmbed),
    change("POST", f"{SLUG}/related", commands.LinkRelated, 201),
    change("POST", f"{SLUG}/comments", commands.AddComment, 201),
    change("POST", f"{SLUG}/comments/close", commands.CloseComments),
    change("POST", f"{SLUG}/comments/reopen", commands.ReopenComments),
    change("POST", f"{COMMENT}/flag", commands.FlagComment),
    change("POST", f"{COMMENT}/hide", commands.HideComment),
    change("POST", f"{COMMENT}/restore", commands.RestoreComment),
    change("POST", f"{COMMENT}/approve", commands.ApproveComment),
    change("PUT", f"{SLUG}/comments/moderation", commands.SetPremoderation),
    change("POST", f"{UPDATE}/erase", commands.EraseUpdate),
    change("POST", f"{COMMENT}/erase", commands.EraseComment),
    Endpoint(
        "GET",
        f"{UPDATE}/proof",
        verify.update_proof,
        "What a reader needs to check an update against the audit log: its record, key, proof, signed head",
        response="ItemProof",
        errors=(400, 404, 410, 503),
    ),
    Endpoint(
        "GET",
        f"{SLUG}/corrections/{{version}}/proof",
        verify.correction_proof,
        "What a reader needs to check a correction against the audit log: its record, proof, signed head",
        response="ItemProof",
        errors=(400, 404, 422, 503),
    ),
    Endpoint(
        "GET",
        f"{SLUG}/live",
        live.article_live,
        "Server-Sent Events: this story's changes",
        response="text/event-stream",
        errors=(404, 429, 503),
        stream=True,
    ),
    Endpoint(
        "GET",
        "/api/live",
        live.site_live,
        "Server-Sent Events: every story's changes",
        response="text/event-stream",
        errors=(429, 503),
        stream=True,
    ),
    Endpoint(
        "GET",
        f"{SLUG}/history",
        audit.history,
        "Every event of the article (auditors)",
        permission=AUDIT,
        query=queries.History,
        response="ArticleHistory",
        errors=AUDIT_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{SLUG}/diff",
        audit.diff,
        "What changed between two versions, and who changed it (auditors)",
        permission=AUDIT,
        query=queries.Diff,
        response="VersionDiff",
        errors=AUDIT_ERRORS,
    ),
    Endpoint(
        "GET",
        "/api/audit/events",
        audit.global_log,
        "The global event log (auditors)",
        permission=AUDIT,
        query=queries.Log,
        response="EventLog",
        errors=AUDIT_ERRORS,
    ),
    Endpoint(
        "GET",
        "/api/audit/export",
        audit.export,
        "The whole log as NDJSON: one record a line, with the bytes its leaf hashes (auditors)",
        permission=AUDIT,
        query=queries.Export,
        response="application/x-ndjson",
        errors=AUDIT_ERRORS,
    ),
    Endpoint(
        "GET",
        "/api/audit/tree-head",
        audit.tree_head,
        "The signed head of the audit tree (public: anyone may keep one)",
        query=queries.TreeHeadRead,
        response="TreeHead",
        errors=READ_ERRORS,
    ),
    Endpoint(
        "GET",
        "/api/audit/proof/{position}",
        audit.inclusion_proof,
        "RFC 9162 inclusion proof of the record at a position (public: it holds only hashes)",
        query=queries.Proof,
        response="InclusionProof",
        errors=(400, 404, 422, 503),
    ),
    Endpoint(
        "GET",
        "/api/audit/consistency",
        audit.consistency_proof,
        "RFC 9162 consistency proof between two tree sizes (public: it holds only hashes)",
        query=queries.Consistency,
        response="ConsistencyProof",
        errors=(400, 404, 422, 503),
    ),
    Endpoint(
        "GET",
        f"{SLUG}/embargo-proof",
        audit.embargo_proof,
        "What shows the log held a released story before its release: the content and its commitment",
        response="EmbargoProof",
        errors=(400, 404, 503),
    ),
    Endpoint(
        "GET",
        "/api/moderation",
        moderation.queue,
        "The moderation queue across every story: comments by state, with their record (moderators)",
        permission=Permission.MODERATE_COMMENTS,
        query=queries.ModerationQueue,
        response="Moderation",
        errors=(400, 401, 403, 422, 503),
    ),
    Endpoint(
        "POST",
        "/api/moderation/bulk",
        moderation.bulk,
        "Hide, restore or approve many comments of any stories at once: all or nothing (moderators)",
        permission=Permission.MODERATE_COMMENTS,
        body=actions.ModerateComments,
        response="BulkModerated",
        errors=(400, 401, 403, 404, 409, 413, 415, 422, 503),
    ),
    Endpoint(
        "GET",
        "/api/moderation/bans",
        moderation.bans,
        "The bans in force (?all=true: lifted and erased ones too) (moderators)",
        permission=Permission.MODERATE_COMMENTS,
        response="Bans",
        errors=(400, 401, 403, 503),
    ),
    Endpoint(
        "POST",
        "/api/moderation/bans",
        moderation.ban,
        "Ban a commenter by name, client, or the comment they wrote, with the reason they are told",
        permission=Permission.MODERATE_COMMENTS,
        body=moderation.Ban,
        response="Banned",
        status=201,
        errors=(400, 401, 403, 404, 409, 413, 415, 422, 503),
    ),
    Endpoint(
        "POST",
        "/api/moderation/bans/{ban_id}/lift",
        moderation.lift_ban,
        "Lift a ban, with the reason (moderators)",
        permission=Permission.MODERATE_COMMENTS,
        body=actions.LiftBan,
        response="Position",
        errors=(400, 401, 403, 404, 409, 410, 413, 415, 422, 503),
    ),
    Endpoint(
        "POST",
        "/api/commenters/erase",
        moderation.erase,
        "Lawful removal of a commenter: every comment signed with the name, on every story (admins)",
        permission=Permission.ERASE_CONTENT,
        body=moderation.EraseCommenter,
        response="CommenterErased",
        errors=(400, 401, 403, 409, 413, 415, 422, 503),
    ),
    Endpoint(
        "GET",
        "/api/search",
        search.search_api,
        "Stories and updates matching words, best first, with marked snippets (staff: drafts too)",
        query=queries.Search,
        response="SearchResults",
        errors=(400, 401, 422, 503),
        optional_staff=True,
    ),
    Endpoint(
        "GET",
        "/api/staff/me",
        desk.me,
        "Who the token is: name, role, permissions, profile",
        response="Member",
        errors=(400, 401, 503),
        signed_in=True,
    ),
    Endpoint(
        "GET",
        "/api/staff",
        desk.staff_list,
        "Every active staff member, with the name readers see",
        response="StaffList",
        errors=(400, 401, 503),
        signed_in=True,
    ),
    Endpoint(
        "PUT",
        "/api/staff/{name}/profile",
        desk.change_profile,
        "Change what readers see of a staff member (their own, or an admin's)",
        body=actions.ChangeProfile,
        errors=(400, 401, 403, 404, 409, 413, 415, 422, 503),
        signed_in=True,
    ),
    Endpoint(
        "GET",
        "/api/desk/stories",
        desk.desk_stories,
        "Every story with its status, most recently changed first (the desk's list)",
        permission=Permission.WRITE_ARTICLES,
        query=queries.DeskStories,
        response="DeskStoryList",
        errors=(400, 401, 403, 422, 503),
    ),
    Endpoint(
        "GET",
        "/api/audit/stories",
        desk.audit_stories,
        "Every story with its status, most recently changed first (auditors)",
        permission=AUDIT,
        query=queries.DeskStories,
        response="DeskStoryList",
        errors=(400, 401, 403, 422, 503),
    ),
    Endpoint(
        "POST",
        "/api/markdown",
        desk.render_markdown,
        "Render text exactly as readers will see it (the editor's live preview)",
        body=desk.MarkdownText,
        response="Markdown",
        errors=(400, 401, 413, 415, 422, 503),
        signed_in=True,
    ),
    Endpoint(
        "POST",
        f"{SLUG}/presence",
        desk.presence,
        "Say this desk has the story open; who has it open now",
        response="Presence",
        errors=(400, 401, 404, 503),
        signed_in=True,
    ),
    Endpoint(
        "POST",
        f"{SLUG}/preview-link",
        desk.preview_link,
        "A link at which the story shows as readers will see it, before it is public",
        permission=Permission.WRITE_ARTICLES,
        response="PreviewLink",
        errors=(400, 401, 403, 404, 503),
    ),
    Endpoint("GET", "/healthz", ops.healthz, "Liveness", response="Health"),
    Endpoint(
        "GET",
        "/readyz",
        ops.readyz,
        "Readiness: store reachable, read models caught up",
        response="Health",
        errors=(503,),
    ),
    Endpoint("GET", "/metrics", ops.metrics, "Prometheus metrics", response="text/plain", documented=False),
]

CHANGE_ENDPOINTS: dict[type[Change], Endpoint] = {e.change: e for e in ENDPOINTS if e.change is not None}
