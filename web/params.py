"""What reads share: whole numbers in a range, read-your-writes waits, and the published article."""

from __future__ import annotations

from starlette.requests import Request

from newsroom.errors import ArticleNotFoundError, ValidationError
from projections.documents import Doc
from web.http import HTTPError
from web.services import blocking, services
from web.writes import path_slug

READ_YOUR_WRITES_TIMEOUT = 2.0
MAX_POSITION = 2**62


def int_param(
    request: Request, name: str, default: int | None, *, low: int = 0, high: int = MAX_POSITION
) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if not value.lstrip("-").isdigit() or not low <= int(value) <= high:
        raise ValidationError(name, f"must be a whole number from {low} to {high}")
    return int(value)


def required_int(request: Request, name: str, what: str, *, low: int = 0) -> int:
    found = int_param(request, name, None, low=low)
    if found is None:
        raise ValidationError(name, f"is required: {what}")
    return found


async def read_your_writes(request: Request, projection: str) -> None:
    """With ``?after=POSITION`` or ``Newsroom-After``, waits (briefly) until ``projection`` has applied it,
    so an editor who just wrote reads what they wrote."""
    after = int_param(request, "after", None) or _header_position(request)
    if after:
        await blocking(services(request).read_models.wait_for, after, READ_YOUR_WRITES_TIMEOUT, projection)


def _header_position(request: Request) -> int | None:
    value = request.headers.get("newsroom-after")
    if value is None:
        return None
    if not value.isdigit():
        raise HTTPError(400, "invalid_header", "Newsroom-After takes a global position")
    return int(value)


async def published_page(request: Request) -> tuple[str, Doc]:
    """The article in the path as readers may see it: published, or not found."""
    slug = path_slug(request)
    page = await blocking(services(request).read_models.article_page, slug)
    if page is None or page["status"] != "published":
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    return slug, page
