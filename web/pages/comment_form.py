"""The comment form's signed token: when the page with the form was rendered, so that a form sent within
moments of that (a bot's) or a day later (a stale page) is refused, and the time cannot be made up."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Final

from newsroom.errors import ValidationError
from web.services import Services

MIN_SECONDS: Final = 3  # no one reads a story and writes a comment faster
MAX_SECONDS: Final = 24 * 3600  # a form older than this is from a page to load again


def form_token(svc: Services, now: float | None = None) -> str:
    """When the page with the form was rendered, signed."""
    rendered = str(int(now if now is not None else time.time()))
    return f"{rendered}.{_sign(svc, rendered)}"


def _sign(svc: Services, rendered: str) -> str:
    return hmac.new(svc.site_key, f"comment-form\n{rendered}".encode(), hashlib.sha256).hexdigest()[:32]


def check_form(svc: Services, token: str) -> None:
    rendered, _, signature = token.partition(".")
    if not rendered.isascii() or not rendered.isdigit() or len(rendered) > 12:
        raise ValidationError("form", "this form is not one of this site's: load the page again")
    if not hmac.compare_digest(_sign(svc, rendered), signature):
        raise ValidationError("form", "this form is not one of this site's: load the page again")
    age = time.time() - int(rendered)
    if age > MAX_SECONDS:
        raise ValidationError("form", "this page is too old to comment from: load it again")
    if age < MIN_SECONDS:
        raise ValidationError("form", "that was quick: read a moment longer, then send it again")
