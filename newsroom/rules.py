"""Text rules shared by every command: lengths, slugs, tags, URLs.

Each checker returns the normalised value or raises ``ValidationError`` naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import urlsplit

from newsroom.errors import ValidationError

SLUG_MAX: Final = 80
HEADLINE_MAX: Final = 200
ARTICLE_BODY_MAX: Final = 100_000
UPDATE_BODY_MAX: Final = 10_000
LABEL_MAX: Final = 80
NOTE_MAX: Final = 1_000
REASON_MAX: Final = 500
BYLINE_NAME_MAX: Final = 100
BIO_MAX: Final = 300
COMMENT_AUTHOR_MAX: Final = 60
COMMENT_BODY_MAX: Final = 2_000
TAG_MAX: Final = 40
TAGS_PER_ARTICLE: Final = 20
URL_MAX: Final = 2_000
CAPTION_MAX: Final = 300
TITLE_MAX: Final = 200
EMBEDS_PER_ARTICLE: Final = 50
RELATED_PER_ARTICLE: Final = 50
STAFF_NAME_MAX: Final = 60

EMBED_KINDS: Final = frozenset({"map", "image", "video", "audio", "document"})

# Positions and versions are stored as 64-bit integers; nothing the API takes is larger than this.
WHOLE_NUMBER_MAX: Final = 2**62
# ASCII digits only: str.isdigit() also takes "²" and other digits int() refuses, and int() takes "_" and
# spaces; at most 19 digits, so no input makes int() do quadratic work or a database overflow.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,19}", re.ASCII)

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_STAFF_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
# Control characters other than tab and newline (C0, DEL and C1) never belong in published text, nor do
# Unicode's noncharacters (U+FDD0-U+FDEF and the last two code points of every plane): XML 1.0 forbids
# U+FFFE and U+FFFF, so one of them in a headline made the Atom feed ill-formed for every subscriber.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_NONCHARACTERS}\ud800-\udfff]")
# Line and paragraph separators break a line as a newline does (in JavaScript source and some readers).
_LINE_BREAKS = re.compile("[\n\u2028\u2029\x85]")


def _text(field: str, value: object, *, maximum: int, minimum: int, multiline: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if _CONTROL.search(text):
        raise ValidationError(field, "must not contain control characters or Unicode noncharacters")
    if not multiline and _LINE_BREAKS.search(text):
        raise ValidationError(field, "must be a single line")
    if len(text) < minimum:
        raise ValidationError(field, "must not be empty" if minimum == 1 else f"needs {minimum}+")
    if len(text) > maximum:
        raise ValidationError(field, f"must be at most {maximum} characters")
    return text


def line(field: str, value: object, maximum: int) -> str:
    """A required single line of text."""
    return _text(field, value, maximum=maximum, minimum=1, multiline=False)


def optional_line(field: str, value: object, maximum: int) -> str:
    """A single line that may be empty (None counts as empty)."""
    if value is None:
        return ""
    return _text(field, value, maximum=maximum, minimum=0, multiline=False)


def paragraphs(field: str, value: object, maximum: int) -> str:
    """Required text that may span several lines."""
    return _text(field, value, maximum=maximum, minimum=1, multiline=True)


def optional_paragraphs(field: str, value: object, maximum: int) -> str:
    if value is None:
        return ""
    return _text(field, value, maximum=maximum, minimum=0, multiline=True)


def slug(value: object, field: str = "slug") -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    if not value:
        raise ValidationError(field, "must not be empty")
    if len(value) > SLUG_MAX:
        raise ValidationError(field, f"must be at most {SLUG_MAX} characters")
    if not _SLUG.fullmatch(value):
        raise ValidationError(field, "must be lower-case letters and digits joined by hyphens")
    return value


def tag(value: object, field: str = "tag") -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    if not value or len(value) > TAG_MAX or not _SLUG.fullmatch(value):
        raise ValidationError(field, f"must be 1-{TAG_MAX} lower-case letters and digits joined by hyphens")
    return value


def tags(value: object, field: str = "tags") -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(field, "must be a list of tags")
    result: list[str] = []
    for i, item in enumerate(value):
        checked = tag(item, f"{field}[{i}]")
        if checked not in result:
            result.append(checked)
    if len(result) > TAGS_PER_ARTICLE:
        raise ValidationError(field, f"at most {TAGS_PER_ARTICLE} tags")
    return result


def url(value: object, field: str = "url") -> str:
    text = line(field, value, URL_MAX)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(field, "must be an absolute http(s) URL")
    return text


def staff_name(value: object, field: str = "name") -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    if not value or len(value) > STAFF_NAME_MAX or not _STAFF_NAME.fullmatch(value):
        raise ValidationError(
            field,
            f"must be 1-{STAFF_NAME_MAX} lower-case letters, digits, '.', '_' or '-'",
        )
    return value


def embed_kind(value: object, field: str = "kind") -> str:
    if value not in EMBED_KINDS:
        raise ValidationError(field, f"must be one of {', '.join(sorted(EMBED_KINDS))}")
    return str(value)


def byline(name: object, bio: object) -> dict[str, str]:
    return {
        "name": line("byline.name", name, BYLINE_NAME_MAX),
        "bio": optional_line("byline.bio", bio, BIO_MAX),
    }


def whole_number(field: str, value: str, *, low: int = 0, high: int = WHOLE_NUMBER_MAX) -> int:
    """A whole number written in ASCII digits, from ``low`` to ``high``: what every position, version,
    size and limit the API reads must be."""
    if not _WHOLE_NUMBER.fullmatch(value) or not low <= (number := int(value)) <= high:
        raise ValidationError(field, f"must be a whole number from {low} to {high}")
    return number
