"""HTML from Jinja2 templates (``web/templates``, autoescaped): every value is escaped unless a template
says otherwise, so no page or fragment depends on remembering to.

A page is made of fragments (an update, a comment, an embed, a story card), one template each. Live messages
carry the same fragment, rendered by the same template from the same document (``live_html``), so what
arrives live is what a reload shows.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from projections.documents import TimelineItem
from web.embeds import Embeds


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


ENVIRONMENT: Final = Environment(
    loader=PackageLoader("web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES: Final = Jinja2Templates(env=ENVIRONMENT)


def json_ld(data: Any) -> Markup:
    """A JSON-LD data block's text: "<" escaped, so no value can close the script element."""
    return Markup(orjson.dumps(data).decode().replace("<", "\\u003c"))  # noqa: S704 - escaped above


ENVIRONMENT.filters["json_ld"] = json_ld


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


def fragment(name: str, embeds: Embeds, **context: Any) -> str:
    """One fragment (``web/templates/fragments/NAME.html``) as HTML text."""
    context.setdefault("replies", {})
    return (
        ENVIRONMENT.get_template(f"fragments/{name}.html").render(context, frame_url=embeds.frame_url).strip()
    )


# Which document of a live message a fragment shows, by the message's kind.
LIVE_FRAGMENTS: Final = {
    "update-appended": "update",
    "update-revised": "update",
    "update-struck": "update",
    "update-pinned": "update",
    "update-unpinned": "update",
    "update-key-changed": "update",
    "comment-added": "comment",
    "comment-restored": "comment",
    "update-erased": "update",
    "comment-erased": "comment",
    "embed-attached": "embed",
}


def live_html(item: TimelineItem, embeds: Embeds) -> TimelineItem:
    """The message with ``html``: its item rendered by the fragment a page renders it with."""
    name = LIVE_FRAGMENTS.get(item.kind)
    if name is None:
        return item
    message = orjson.loads(item.data)
    message["html"] = fragment(name, embeds, **{name: message[name]}, slug=item.slug)
    return TimelineItem(item.position, item.slug, item.kind, orjson.dumps(message))
