"""HTML pages from Jinja2 templates (``web/templates``, autoescaped): every value is escaped unless a
template says otherwise, so no page or fragment depends on remembering to. A page is made of fragments
(``web.fragments``), which live messages carry too.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from web.embeds import Embeds
from web.fragments import ENVIRONMENT


def security_headers(embeds: Embeds) -> dict[str, str]:
    """Scripts only from this origin (no inline script, so injected markup cannot run); frames only from
    the embed providers the operator allows. JSON-LD is a data block, which a CSP does not need to allow."""
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        f"connect-src 'self'; frame-src {embeds.frame_origins}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


TEMPLATES: Final = Jinja2Templates(env=ENVIRONMENT)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A whole page, with the site's security headers."""
    svc = request.state.services
    embeds: Embeds = svc.embeds
    context.setdefault("site", svc.settings.site)
    # The audit log's signed head on every page: copies of it kept anywhere hold the newsroom to its log.
    context.setdefault("tree_head", svc.tree_heads.latest())
    context.setdefault("audit_key", svc.tree_heads.public_key)
    context.setdefault("scripts", [])
    context.setdefault("frame_url", embeds.frame_url)
    response = TEMPLATES.TemplateResponse(
        request, template, context, status_code=status_code, headers=security_headers(embeds)
    )
    assert isinstance(response, HTMLResponse)
    return response
