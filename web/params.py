"""What reads share: whole numbers in a range, read-your-writes waits, and the published article."""

from __future__ import annotations

from starlette.requests import Request

from newsroom import rules
from newsroom.errors import ArticleNotFoundError, ValidationError
from projections.article_page import public_page
from projections.documents import Doc
from web.concurrency import blocking
from web.http import HTTPError
from web.queries import single_param
from web.services import Services, services
from web.writes import path_slug

READ_YOUR_WRITES_TIMEOUT = 2.0
MAX_POSITION = rules.WHOLE_NUMBER_MAX


def int_param(
    request: Request, name: str, default: int | None, *, low: int = 0, high: int = MAX_POSITION
) -> int | None:
    value = single_param(request, name)
    if value is None:
        return default
    return rules.whole_number(name, value, low=low, high=high)


def header_int(request: Request, name: str, what: str) -> int | None:
    """A whole number in a header (absent: None); 400 naming the header when it is not one."""
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return rules.whole_number(name, value.strip())
    except ValidationError:
        raise HTTPError(400, "invalid_header", f"{name} takes {what}, a whole number") from None


async def read_your_writes(request: Request, projection: str, after: int | None = None) -> None:
    """With ``?after=POSITION`` (read by the caller's query struct, if it has one) or ``Newsroom-After``,
    waits (briefly) until ``projection`` has applied it, so an editor who just wrote reads what they wrote."""
    if after is None:
        after = int_param(request, "after", None)
    after = after or header_int(request, "Newsroom-After", "a global position")
    if after:
        await blocking(_wait_for, services(request), after, projection)


def _wait_for(svc: Services, after: int, projection: str) -> None:
    read_models = svc.read_models
    if read_models.position(projection) >= after:
        return
    # A position not yet written is no write of the reader's to wait for: answer now.
    if after > svc.app.last_position():
        return
    read_models.wait_for(after, READ_YOUR_WRITES_TIMEOUT, projection)


async def published_page(request: Request) -> tuple[str, Doc]:
    """The article in the path as readers may see it: published, or not found."""
    slug = path_slug(request)
    page = await blocking(services(request).read_models.article_page, slug)
    if page is None or page["status"] != "published":
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    return slug, public_page(page)
