"""Structured logs: one JSON object per line (readable text at a terminal), each with the id of the request
it belongs to.

The request id comes from a valid incoming ``X-Request-ID`` or is made here; it is sent back in the response
and put on every line logged while the request runs (thread pool included: the context is copied there).
Lines never carry headers, bodies or query strings, so tokens and keys cannot leak into logs.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import sys
import time
from contextvars import ContextVar
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access = logging.getLogger("newsroom.access")

# The standard attributes of a LogRecord: anything else on a record was passed as ``extra`` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


JsonFormatter.converter = time.gmtime


class TextFormatter(logging.Formatter):
    """For a person at a terminal: time, level, message, and the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = {key: value for key, value in vars(record).items() if key not in _STANDARD}
        request_id = REQUEST_ID.get()
        if request_id:
            extra["request_id"] = request_id
        return line + "".join(f" {key}={value}" for key, value in extra.items())


def log_format() -> str:
    """JSON for machines (when stderr is not a terminal, or NEWSROOM_LOG_FORMAT=json), text for people."""
    chosen = os.environ.get("NEWSROOM_LOG_FORMAT", "").lower()
    if chosen in ("json", "text"):
        return chosen
    return "text" if sys.stderr.isatty() else "json"


def log_config(level: str = "info") -> dict[str, Any]:
    """For ``logging.config.dictConfig`` and uvicorn's ``log_config``: everything on stderr, as JSON or as
    text (``log_format``)."""
    handler = {"class": "logging.StreamHandler", "formatter": log_format(), "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},  # replaced by newsroom.access
        },
    }


def request_id_for(scope: Scope) -> str:
    """The request's valid ``X-Request-ID``, or a new one."""
    incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
    return incoming if VALID_ID.match(incoming) else _new_request_id()


def _new_request_id() -> str:
    """32 hex digits, unique across processes: a random prefix drawn once per process and a counter
    (uuid4 reads the OS's random source for every request)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


def _draw_id_prefix() -> None:
    global _ID_PREFIX
    _ID_PREFIX = secrets.token_hex(8)


_ID_PREFIX = ""
_ID_COUNTER = itertools.count(1)
_draw_id_prefix()
os.register_at_fork(after_in_child=_draw_id_prefix)  # a forked worker must not repeat its parent's ids


def log_access(scope: Scope, status: int, started: float, request_id: str) -> None:
    """The one access line for a request, when it ends (streams: when they close)."""
    if not access.isEnabledFor(logging.INFO):
        return
    access.info(
        "%s %s %d",
        scope["method"],
        scope["path"],
        status,
        extra={
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "request_id": request_id,  # named here: a stream's line is logged outside its context
        },
    )


class RequestIdMiddleware:
    """Gives each request an id, put on every line logged while it runs, and logs its access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log_access(scope, status, started, request_id)
            REQUEST_ID.reset(token)
