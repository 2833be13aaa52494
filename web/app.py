"""The Starlette app, assembled from lists: routes, middleware, exception handlers, and a lifespan."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from web import live, search, verify
from web.compression import CompressResponses
from web.errors import EXCEPTION_HANDLERS
from web.gc_tuning import tune_for_streams
from web.lifespan import lifespan
from web.logs import RequestIdMiddleware
from web.openapi import openapi
from web.pages import comments, feeds, lists, reader, sitemap, staff
from web.routes import ENDPOINTS
from web.settings import Settings

# Served by NewsroomApp itself, ahead of the middleware and the router. In the routes too: there they are
# described, and answer a method they do not take.
LIVE_ROUTES = [Route(e.path, e.handler, methods=[e.method]) for e in ENDPOINTS if e.stream]

API_ROUTES = [
    *(Route(e.path, e.handler, methods=[e.method]) for e in ENDPOINTS if not e.stream),
    *LIVE_ROUTES,
    Route("/openapi.json", openapi, methods=["GET"]),
]

# Pages and feeds for people and feed readers (outside the OpenAPI description of the JSON API).
PAGE_ROUTES = [
    Route("/", lists.front_page, methods=["GET"]),
    Route("/tags/{tag}", lists.tag_page, methods=["GET"]),
    Route("/tags/{tag}/feed.atom", feeds.tag_atom, methods=["GET"]),
    Route("/tags/{tag}/feed.json", feeds.tag_json, methods=["GET"]),
    Route("/authors/{name}", lists.author_page, methods=["GET"]),
    Route("/authors/{name}/feed.atom", feeds.author_atom, methods=["GET"]),
    Route("/authors/{name}/feed.json", feeds.author_json, methods=["GET"]),
    Route("/articles/{slug}", reader.article_page, methods=["GET"]),
    Route("/articles/{slug}/comments", comments.post_comment, methods=["POST"]),
    Route("/articles/{slug}/comments/{comment_id}/flag", comments.flag_comment, methods=["POST"]),
    Route("/search", search.search_page, methods=["GET"]),
    Route("/sitemap.xml", sitemap.sitemap, methods=["GET"]),
    Route("/desk", staff.desk, methods=["GET"]),
    Route("/preview/{slug}", reader.preview, methods=["GET"]),
    Route("/audit", staff.audit_list, methods=["GET"]),
    Route("/audit/{slug}", staff.auditor, methods=["GET"]),
    Route("/moderation", staff.moderation, methods=["GET"]),
    Route("/verify", verify.verify_page, methods=["GET"]),
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
