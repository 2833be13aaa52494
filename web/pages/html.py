"""HTML built from small functions. Every piece of user text goes through ``esc``; markup is only ever
made here, from constants and escaped values."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.responses import HTMLResponse

# Scripts only from this origin (no inline script, so injected markup cannot run); map embeds may frame
# OpenStreetMap. JSON-LD is a data block, which a CSP does not need to allow.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; frame-src https://www.openstreetmap.org; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(part)}</p>" for part in text.split("\n\n") if part.strip())


def when(iso: str | None) -> str:
    """A <time> element; the script turns it into the reader's local time."""
    if not iso:
        return ""
    return f'<time datetime="{esc(iso)}">{esc(iso[:16].replace("T", " "))} UTC</time>'


def json_ld(data: dict[str, Any]) -> str:
    # "<" escaped so no value can close the script element.
    encoded = orjson.dumps(data).decode().replace("<", "\\u003c")
    return f'<script type="application/ld+json">{encoded}</script>'


def page(
    title: str,
    body: str,
    *,
    scripts: Iterable[str] = (),
    head: str = "",
    status_code: int = 200,
    body_data: dict[str, Any] | None = None,
) -> HTMLResponse:
    attributes = "".join(f' data-{esc(key)}="{esc(value)}"' for key, value in (body_data or {}).items())
    script_tags = "".join(f'<script src="/static/{esc(name)}" defer></script>' for name in scripts)
    document = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title>"
        '<link rel="stylesheet" href="/static/site.css"><link rel="icon" href="data:,">'
        '<link rel="alternate" type="application/atom+xml" title="Newsroom" href="/feed.atom">'
        f"{head}{script_tags}</head>"
        f"<body{attributes}>"
        '<header class="masthead"><a href="/">Newsroom</a>'
        '<nav><a href="/desk">Desk</a> <a href="/feed.atom">Atom</a> <a href="/feed.json">JSON Feed</a></nav>'
        f"</header><main>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status_code, headers=SECURITY_HEADERS)
