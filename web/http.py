"""JSON in and out: orjson responses, the error shape, and request bodies read with a size limit."""

from __future__ import annotations

from typing import Any, Final, Literal, overload

import msgspec
import orjson
from starlette.requests import Request
from starlette.responses import Response

from newsroom.errors import NewsroomError, ValidationError

MAX_BODY: Final = 64 * 1024


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, msgspec.Struct):  # a declared response body (web.responses)
            return msgspec.json.encode(content)
        return orjson.dumps(content)


class HTTPError(NewsroomError):
    """A failure that belongs to HTTP itself (size, media type, syntax, rate), with its status."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None, **details: Any
    ) -> None:
        super().__init__(message, **details)
        self.status = status
        self.code = code
        self.headers = headers or {}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 past MAX_BODY without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and (len(declared) > 9 or int(declared) > MAX_BODY):
        raise HTTPError(413, "payload_too_large", f"request bodies are limited to {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPError(413, "payload_too_large", f"request bodies are limited to {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request) -> tuple[dict[str, Any], bytes]:
    """The body as a JSON object, and its raw bytes (for idempotency fingerprints)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await read_body(request)
    if media_type != "application/json":
        raise HTTPError(415, "unsupported_media_type", "send the body as application/json")
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as error:
        raise HTTPError(400, "malformed_json", f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise HTTPError(400, "malformed_json", "the body must be a JSON object")
    return body, raw


@overload
def text(body: dict[str, Any], name: str, *, required: Literal[True] = True) -> str: ...
@overload
def text(body: dict[str, Any], name: str, *, required: bool) -> str | None: ...
def text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A string field: 422 naming the field when it is missing or not a string.

    Lengths and content are checked by the domain rules, which name the field too.
    """
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationError(name, "is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(name, "must be a string")
    return value


def reject_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValidationError(unknown[0], f"is not a known field (known: {', '.join(sorted(allowed))})")
