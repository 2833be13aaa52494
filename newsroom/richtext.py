"""Rich text: the CommonMark subset bodies and updates are written in, and how it becomes HTML.

Paragraphs, emphasis, strong, links, lists, blockquotes, line breaks and images by URL with alt text; bare
URLs become links. No raw HTML: what looks like a tag is shown as text. A link or image to anything but
http(s) (and mailto for links) is refused when the text is written (``check``), so a ``javascript:`` or
``data:`` URL never reaches a store, let alone a page; ``render`` sanitises what markdown-it makes with nh3
all the same. Comments are plain text (``plain_text_html``): escaped, their URLs made links that search
engines are told not to follow.

Rendering is done once per change, by the projector, so the page, live messages, feeds and JSON-LD carry
the same HTML.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from newsroom.errors import ValidationError

# "entity": an editor's ``&amp;`` or ``&eacute;`` is the character it names, as CommonMark says.
RULES: Final = [
    "emphasis",
    "link",
    "image",
    "list",
    "blockquote",
    "newline",
    "escape",
    "entity",
    "linkify",
    "autolink",
]
LINK_SCHEMES: Final = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES: Final = frozenset({"http", "https"})
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")
# "//host/..." takes the page's scheme to another host; browsers read "\\" and "/\\" the same way.
_ANOTHER_HOST = re.compile(r"^\s*[/\\]{2}")


def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"breaks": True, "linkify": True, "html": False, "typographer": False})
    parser.enable(RULES)
    # Every destination is parsed as one, so that ``check`` can refuse what is not allowed (markdown-it's
    # own check would quietly leave ``[x](javascript:...)`` as text, which the writer would not notice).
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


PARSER: Final = _parser()
CLEANER: Final = nh3.Cleaner(
    tags={"p", "em", "strong", "a", "ul", "ol", "li", "blockquote", "br", "img"},
    attributes={"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}},
    url_schemes=set(LINK_SCHEMES),
    link_rel="noopener",
    set_tag_attribute_values={"img": {"loading": "lazy"}},
)
COMMENT_CLEANER: Final = nh3.Cleaner(
    tags={"p", "br", "a"}, attributes={"a": {"href"}}, url_schemes={"http", "https"}, link_rel="nofollow ugc"
)
TEXT_ONLY: Final = nh3.Cleaner(tags=set())


def _destinations(tokens: list[Token]) -> list[tuple[str, str]]:
    """Every (kind, URL) the text links or shows, nested tokens included."""
    found: list[tuple[str, str]] = []
    for token in tokens:
        if token.type == "link_open":
            found.append(("link", str(token.attrGet("href") or "")))
        elif token.type == "image":
            found.append(("image", str(token.attrGet("src") or "")))
        if token.children:
            found.extend(_destinations(token.children))
    return found


def check(field: str, text: str) -> str:
    """The text, if every link in it is http(s) or mailto and every image http(s); ValidationError naming
    the field and the URL otherwise. Relative ones (``/articles/...``, ``#u-...``) are allowed, but not
    protocol-relative ones (``//host/...``), which lead to another site with no scheme said."""
    for kind, url in _destinations(PARSER.parse(text)):
        scheme = _SCHEME.match(url)
        allowed = LINK_SCHEMES if kind == "link" else IMAGE_SCHEMES
        if _ANOTHER_HOST.match(url) or (scheme is not None and scheme.group(1).lower() not in allowed):
            shown = url if len(url) <= 60 else url[:57] + "..."
            what = "http(s) or mailto" if kind == "link" else "http(s)"
            raise ValidationError(field, f"{kind}s may only point at {what} URLs, not {shown!r}")
    return text


@lru_cache(maxsize=2048)  # a busy story's same body is rendered for each event that does not change it
def render(text: str) -> str:
    """The text as sanitised HTML."""
    return CLEANER.clean(PARSER.render(text)).strip()


def plain(text: str) -> str:
    """The text without markup, for excerpts, search and descriptions: what a reader would read."""
    text_only = html.unescape(TEXT_ONLY.clean(render(text).replace("<br>\n", "\n")))
    return _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in text_only.splitlines())).strip()


_BLANK_LINES = re.compile(r"\n{3,}")
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]}]", re.IGNORECASE)


def plain_text_html(text: str) -> str:
    """A comment as HTML: its text escaped, paragraphs at blank lines, line breaks kept, and http(s) URLs
    made links with ``rel="nofollow ugc"``."""
    paragraphs = []
    for part in text.split("\n\n"):
        if not part.strip():
            continue
        pieces, last = [], 0
        for found in _URL.finditer(part):
            pieces.append(html.escape(part[last : found.start()]))
            url = found.group(0)
            pieces.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
            last = found.end()
        pieces.append(html.escape(part[last:]))
        paragraphs.append("<p>" + "".join(pieces).replace("\n", "<br>") + "</p>")
    return COMMENT_CLEANER.clean("".join(paragraphs))


def forget() -> None:
    """Empties the rendering cache: it may hold the words of something just erased."""
    render.cache_clear()
