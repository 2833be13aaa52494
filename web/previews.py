"""Preview links: a URL at which a story not yet public is shown exactly as readers will see it.

The link carries its expiry and an HMAC of the slug and the expiry, made with a key kept in the vault
(made once per store, so every web process checks the links any of them made). Whoever holds a link sees
the story until it expires, as with a document shared by link; it lets nothing else be seen.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING
from uuid import UUID

from newsroom import Principal, Role
from newsroom.errors import ArticleNotFoundError

if TYPE_CHECKING:
    from web.services import Services

KEY_NAME = "secret/preview-links"
# Who a preview link lets see the story: whoever made it could (``web.desk.preview_link`` checks).
PREVIEWER = Principal(id=UUID(int=2), name="preview-link", role=Role.ADMIN)
LIFETIME_SECONDS = 24 * 3600


def _signature(key: bytes, slug: str, expires: int) -> str:
    return hmac.new(key, f"{slug}\n{expires}".encode(), hashlib.sha256).hexdigest()


def preview_url(services: Services, slug: str, now: float | None = None) -> tuple[str, int]:
    expires = int((now or time.time()) + LIFETIME_SECONDS)
    signature = _signature(services.site_key, slug, expires)
    return f"{services.settings.site_url}/preview/{slug}?expires={expires}&signature={signature}", expires


def check(services: Services, slug: str, expires: str | None, signature: str | None) -> None:
    """ArticleNotFoundError unless the link is one this store made for this story, and not expired: a
    bad link says no more than a missing story would."""
    if not expires or not signature or not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
    expected = _signature(services.site_key, slug, int(expires))
    if not hmac.compare_digest(expected, signature) or int(expires) < time.time():
        raise ArticleNotFoundError(f"no article {slug}", slug=slug)
