"""Every failure as the spec's JSON error, with the right status; a 500 only for real bugs, never input."""

from __future__ import annotations

import logging
from typing import Final

from eventsourcing.persistence import InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Match, Route

from newsroom import errors
from newsroom.idempotency import IdempotencyKeyReusedError
from web.http import JSON, HTTPError, error_body
from web.pages.templates import page
from web.store_gate import RETRY_AFTER_SECONDS, StoreDownError

log = logging.getLogger("newsroom.web")

STATUS: Final[tuple[tuple[type[errors.NewsroomError], int], ...]] = (
    (StoreDownError, 503),
    (errors.ValidationError, 422),
    (errors.ArticleWithdrawnError, 410),
    (errors.ItemErasedError, 410),
    (IdempotencyKeyReusedError, 422),
    (errors.AuthenticationError, 401),
    (errors.PermissionDeniedError, 403),
    (errors.NotFoundError, 404),
    (errors.ConflictError, 409),
)
HTTP_CODES: Final = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    503: "unavailable",
}


def status_of(error: errors.NewsroomError) -> int:
    if isinstance(error, HTTPError):
        return error.status
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 400


async def newsroom_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.NewsroomError)
    status = status_of(exc)
    headers = dict(exc.headers) if isinstance(exc, HTTPError) else {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="newsroom"'
    if isinstance(exc, errors.ContentionError | StoreDownError):
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    details = dict(exc.details)
    if wants_html(request):
        return error_page(request, status, exc, headers)
    if isinstance(exc, errors.VersionConflictError):
        details["changes"] = request.scope.get("newsroom.changes_since", [])
        headers["ETag"] = f'"{exc.current_version}"'
    return JSON(error_body(exc.code, exc.message, details or None), status_code=status, headers=headers)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # The router answers for the one route it tried; a path has a route per method.
        allowed = ", ".join(allowed_methods(request))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allowed})
        headers["Allow"] = allowed
    code = HTTP_CODES.get(exc.status_code, "error")
    if wants_html(request):
        return error_page(request, exc.status_code, None, headers)
    return JSON(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers)


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API, a feed or a file): it is answered with an HTML page."""
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path.endswith((".atom", ".json", ".xml")):
        return False
    return "text/html" in request.headers.get("accept", "")


TITLES: Final = {
    404: ("Not found", "There is no story or page at this address."),
    410: ("Withdrawn", "This story has been withdrawn."),
    405: ("Not allowed", "This page cannot be asked for that way."),
    503: ("Back in a moment", "The newsroom cannot reach its records just now. Please try again shortly."),
}


def error_page(
    request: Request, status: int, error: errors.NewsroomError | None, headers: dict[str, str]
) -> Response:
    title, message = TITLES.get(
        status, ("Something is wrong", error.message if error else "Please try again.")
    )
    withdrawn = error.details if isinstance(error, errors.ArticleWithdrawnError) else None
    response = page(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=title,
        message=message,
        withdrawn=withdrawn,
    )
    response.headers.update(headers)
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this request's path, OPTIONS included."""
    methods = {"OPTIONS"}
    scope = {**request.scope, "method": "GET"}
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


async def store_unavailable(request: Request, exc: Exception) -> Response:
    """The database is down or unreachable: nothing was written; the client should retry shortly."""
    log.warning("store unavailable on %s %s: %s", request.method, request.url.path, exc)
    return JSON(
        error_body("unavailable", "the store is unavailable; retry shortly"),
        status_code=503,
        headers={"Retry-After": "2"},
    )


# nginx's word for it: the client closed the connection before the answer (no server error, nothing to send).
CLIENT_CLOSED = 499


async def client_went_away(request: Request, exc: Exception) -> Response:
    """The client hung up before its request's body arrived whole: nothing was done, nobody to answer."""
    log.info("client closed the connection during %s %s", request.method, request.url.path)
    return Response(status_code=CLIENT_CLOSED)


async def unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSON(error_body("internal_error", "something went wrong on our side"), status_code=500)


EXCEPTION_HANDLERS = {
    errors.NewsroomError: newsroom_error,
    OperationalError: store_unavailable,
    InterfaceError: store_unavailable,
    HTTPException: http_exception,
    ClientDisconnect: client_went_away,
    Exception: unexpected,
}
