"""Fragments of pages (an update, a comment, an embed, a story card), one Jinja2 template each
(``web/templates/fragments``, autoescaped), and the HTML a live message carries: the same fragment,
rendered by the same template from the same document (``live_html``), so what arrives live is what a
reload shows. No web framework here: the projector renders live messages for edges (GRIP) with it too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from projections import live_kinds
from projections.documents import TimelineItem
from web.embeds import Embeds

ENVIRONMENT: Final = Environment(
    loader=PackageLoader("web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def json_ld(data: Any) -> Markup:
    """A JSON-LD data block's text: "<" escaped, so no value can close the script element."""
    return Markup(orjson.dumps(data).decode().replace("<", "\\u003c"))  # noqa: S704 - escaped above


ENVIRONMENT.filters["json_ld"] = json_ld
# Every page carries the live kinds (their actions, for its scripts): no script names a kind itself.
ENVIRONMENT.globals["live_kinds"] = live_kinds.for_pages()


def fragment(name: str, embeds: Embeds, **context: Any) -> str:
    """One fragment (``web/templates/fragments/NAME.html``) as HTML text."""
    context.setdefault("replies", {})
    return (
        ENVIRONMENT.get_template(f"fragments/{name}.html").render(context, frame_url=embeds.frame_url).strip()
    )


def live_html(item: TimelineItem, embeds: Embeds) -> TimelineItem:
    """The message with ``html``: its item rendered by the fragment a page renders it with."""
    name = live_kinds.FRAGMENTS.get(item.kind)
    if name is None:
        return item
    message = orjson.loads(item.data)
    message["html"] = fragment(name, embeds, **{name: message[name]}, slug=item.slug)
    return replace(item, data=orjson.dumps(message))
