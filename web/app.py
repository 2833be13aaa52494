"""The Starlette app, assembled from lists: routes, middleware, exception handlers, and a lifespan."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from web import articles, audit, live, ops
from web.compression import CompressResponses
from web.errors import EXCEPTION_HANDLERS
from web.gc_tuning import tune_for_streams
from web.lifespan import lifespan
from web.logs import RequestIdMiddleware
from web.openapi import openapi
from web.pages import feeds, reader, staff
from web.settings import Settings

SLUG = "/api/articles/{slug}"

# Served by NewsroomApp itself, ahead of the middleware and the router. In the routes too: there they are
# described, and answer a method they do not take.
LIVE_ROUTES = [
    Route(f"{SLUG}/live", live.article_live, methods=["GET"]),
    Route("/api/live", live.site_live, methods=["GET"]),
]

API_ROUTES = [
    Route("/api/articles", articles.list_articles, methods=["GET"]),
    Route("/api/articles", articles.draft_article, methods=["POST"]),
    Route(SLUG, articles.get_article, methods=["GET"]),
    Route(SLUG, articles.edit_article, methods=["PATCH"]),
    Route(f"{SLUG}/publish", articles.publish, methods=["POST"]),
    Route(f"{SLUG}/unpublish", articles.unpublish, methods=["POST"]),
    Route(f"{SLUG}/updates", articles.append_update, methods=["POST"]),
    Route(f"{SLUG}/updates/{{update_id}}", articles.revise_update, methods=["PATCH"]),
    Route(f"{SLUG}/updates/{{update_id}}/strike", articles.strike_update, methods=["POST"]),
    Route(f"{SLUG}/updates/{{update_id}}/pin", articles.pin_update, methods=["POST"]),
    Route(f"{SLUG}/updates/{{update_id}}/unpin", articles.unpin_update, methods=["POST"]),
    Route(f"{SLUG}/tags", articles.add_tag, methods=["POST"]),
    Route(f"{SLUG}/tags/{{tag}}", articles.remove_tag, methods=["DELETE"]),
    Route(f"{SLUG}/embeds", articles.attach_embed, methods=["POST"]),
    Route(f"{SLUG}/related", articles.link_related, methods=["POST"]),
    Route(f"{SLUG}/comments", articles.add_comment, methods=["POST"]),
    Route(f"{SLUG}/comments/close", articles.close_comments, methods=["POST"]),
    Route(f"{SLUG}/comments/reopen", articles.reopen_comments, methods=["POST"]),
    Route(f"{SLUG}/comments/{{comment_id}}/hide", articles.hide_comment, methods=["POST"]),
    Route(f"{SLUG}/comments/{{comment_id}}/restore", articles.restore_comment, methods=["POST"]),
    *LIVE_ROUTES,
    Route(f"{SLUG}/history", audit.history, methods=["GET"]),
    Route(f"{SLUG}/diff", audit.diff, methods=["GET"]),
    Route("/api/audit/events", audit.global_log, methods=["GET"]),
    Route("/api/audit/export", audit.export, methods=["GET"]),
    Route("/api/audit/tree-head", audit.tree_head, methods=["GET"]),
    Route("/api/audit/proof/{position}", audit.inclusion_proof, methods=["GET"]),
    Route("/api/audit/consistency", audit.consistency_proof, methods=["GET"]),
    Route("/api/moderation", articles.moderation_queue, methods=["GET"]),
    Route("/healthz", ops.healthz, methods=["GET"]),
    Route("/readyz", ops.readyz, methods=["GET"]),
    Route("/metrics", ops.metrics, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]

# Pages and feeds for people and feed readers (outside the OpenAPI description of the JSON API).
PAGE_ROUTES = [
    Route("/", reader.front_page, methods=["GET"]),
    Route("/articles/{slug}", reader.article_page, methods=["GET"]),
    Route("/desk", staff.desk, methods=["GET"]),
    Route("/audit/{slug}", staff.auditor, methods=["GET"]),
    Route("/feed.atom", feeds.site_atom, methods=["GET"]),
    Route("/feed.json", feeds.site_json, methods=["GET"]),
    Route("/articles/{slug}/feed.atom", feeds.story_atom, methods=["GET"]),
    Route("/articles/{slug}/feed.json", feeds.story_json, methods=["GET"]),
    Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
]

ROUTES = [*API_ROUTES, *PAGE_ROUTES]

MIDDLEWARE = [
    Middleware(RequestIdMiddleware),
    Middleware(CompressResponses, minimum_size=1024),
]


def create_server_app() -> live.NewsroomApp:
    """The app as `newsroom serve` runs it, once per worker process: the process's collector is tuned for
    thousands of open streams (a process-wide setting, so not part of ``create_app``, which tests call many
    times in one process)."""
    tune_for_streams()
    return create_app()


def create_app(settings: Settings | None = None) -> live.NewsroomApp:
    """The app for one web process (`newsroom serve` makes it through ``create_server_app``)."""
    app = live.NewsroomApp(
        live_routes=LIVE_ROUTES,
        routes=ROUTES,
        middleware=MIDDLEWARE,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings or Settings.from_environ()
    return app
