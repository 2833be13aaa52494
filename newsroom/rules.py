"""Text rules shared by every command: lengths, slugs, tags, URLs.

Each checker returns the normalised value or raises ``ValidationError`` naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

from newsroom import richtext
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
STAFF_PER_LIST: Final = 20
DISPLAY_NAME_MAX: Final = 100
PICTURE_URL_MAX: Final = 2_000
PSEUDONYM_LENGTH: Final = 20

EMBED_KINDS: Final = frozenset({"map", "image", "video", "audio", "document", "social"})

# Positions and versions are stored as 64-bit integers; nothing the API takes is larger than this.
WHOLE_NUMBER_MAX: Final = 2**62
# ASCII digits only: str.isdigit() also takes "²" and other digits int() refuses, and int() takes "_" and
# spaces; at most 19 digits, so no input makes int() do quadratic work or a database overflow.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,19}", re.ASCII)

LANGUAGE_TAG: Final = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
SLUG_PATTERN: Final = r"^[a-z0-9]+(?:-[a-z0-9]+)*$(?!\n)"
_SLUG = re.compile(SLUG_PATTERN)
STAFF_NAME_PATTERN: Final = r"^[a-z0-9][a-z0-9._-]*$(?!\n)"
_STAFF_NAME = re.compile(STAFF_NAME_PATTERN)
# A client as the queue shows it and a ban names it (web/clients.py makes them): a part of one matches no one.
PSEUDONYM_PATTERN: Final = f"^[0-9a-f]{{{PSEUDONYM_LENGTH}}}$"
# Control characters other than tab and newline (C0, DEL and C1) never belong in published text, nor do
# Unicode's noncharacters (U+FDD0-U+FDEF and the last two code points of every plane; XML 1.0 forbids
# U+FFFE and U+FFFF, so one of them in a headline made the Atom feed ill-formed for every subscriber). A
# carriage return is taken only before a line feed. On one line, no line breaks: line feeds, line and
# paragraph separators. Written as regex text that Python, ECMA-262 and Rust's regex engines read alike (the
# whitespace spelled out, since each has its own \s; no lone surrogates, which JSON cannot carry and Rust's
# engine refuses; "$(?!\n)" since Python's "$" also matches before a final newline), so the same patterns
# serve the JSON Schema of every text field (``newsroom.commands``) and the checks below: what the schema
# allows is what passes.
_NONCHARACTERS = r"\ufdd0-\ufdef" + "".join(
    rf"\U{plane + 0xFFFE:08x}\U{plane + 0xFFFF:08x}" for plane in range(0, 0x110000, 0x10000)
)
_FORBIDDEN = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _NONCHARACTERS
_FORBIDDEN_IN_A_LINE = _FORBIDDEN + r"\n\r\u2028\u2029"
# What str.strip() takes away: str.isspace() (the set is checked by a unit test).
WHITESPACE: Final = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_END = r"$(?!\n)"
_WS = rf"[{WHITESPACE}]*"
# The text proper, between white space at either end (which is trimmed off): no forbidden character in it,
# and starting and ending with something that is not white space.
_LINE_CORE = (
    rf"[^{WHITESPACE}{_FORBIDDEN_IN_A_LINE}]"
    rf"(?:[^{_FORBIDDEN_IN_A_LINE}]*[^{WHITESPACE}{_FORBIDDEN_IN_A_LINE}])?"
)
_PARAGRAPH_CHAR = rf"(?:[^{_FORBIDDEN}\r]|\r\n)"
_PARAGRAPHS_CORE = rf"[^{WHITESPACE}{_FORBIDDEN}](?:{_PARAGRAPH_CHAR}*[^{WHITESPACE}{_FORBIDDEN}])?"
LINE: Final = rf"^{_WS}{_LINE_CORE}{_WS}{_END}"
# A text a read looks for (a query parameter): anything but what no stored text holds.
QUERY_TEXT: Final = rf"^[^{_FORBIDDEN}]*{_END}"
_QUERY_TEXT = re.compile(QUERY_TEXT)
OPTIONAL_LINE: Final = rf"^{_WS}(?:{_LINE_CORE})?{_WS}{_END}"
PARAGRAPHS: Final = rf"^{_WS}{_PARAGRAPHS_CORE}{_WS}{_END}"
OPTIONAL_PARAGRAPHS: Final = rf"^{_WS}(?:{_PARAGRAPHS_CORE})?{_WS}{_END}"
_PATTERNS: Final = {
    (False, True): re.compile(LINE),
    (False, False): re.compile(OPTIONAL_LINE),
    (True, True): re.compile(PARAGRAPHS),
    (True, False): re.compile(OPTIONAL_PARAGRAPHS),
}
# An absolute http(s) URL on one line: scheme, "//", a host (no brackets: urlsplit refuses an unclosed one),
# then anything; the same pattern is the JSON Schema of URL fields.
HTTP_URL: Final = (
    rf"^[{WHITESPACE}]*[hH][tT][tT][pP][sS]?://[^{WHITESPACE}/?#\[\]{_FORBIDDEN_IN_A_LINE}]+"
    rf"[^{_FORBIDDEN_IN_A_LINE}]*{_END}"
)
_HTTP_URL = re.compile(HTTP_URL)
_BAD_CHARACTER = re.compile(rf"[{_FORBIDDEN}\ud800-\udfff]|\r(?!\n)")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # a str from elsewhere than JSON may hold one
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")


def _text(field: str, value: object, *, maximum: int, minimum: int, multiline: bool) -> str:
    """Checks the text as sent (its length too: what a client sends is what is measured), then keeps it
    with its line endings as line feeds, trimmed, in NFC."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    if len(value) > maximum:
        raise ValidationError(field, f"must be at most {maximum} characters")
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if not _PATTERNS[(multiline, minimum > 0)].search(value) or _SURROGATE.search(value):
        if _BAD_CHARACTER.search(text):
            raise ValidationError(field, "must not contain control characters or Unicode noncharacters")
        if not multiline and _LINE_BREAK.search(text):
            raise ValidationError(field, "must be a single line")
        raise ValidationError(field, "must not be empty")
    return text


def query_text(field: str, value: str) -> str:
    """A text a read was given (a query parameter), to be looked for in a store: nothing a store cannot
    hold (PostgreSQL's text takes no NUL) nor anything no stored text holds."""
    if not _QUERY_TEXT.search(value) or _SURROGATE.search(value):
        raise ValidationError(field, "must not contain control characters or Unicode noncharacters")
    return value


def explain(message: str, value: object) -> str:
    """Why ``value`` does not match the pattern an error message names (as its ``repr``), in words: what the
    checks below would say of it."""
    named = {
        SLUG_PATTERN: "must be lower-case letters and digits joined by hyphens",
        HTTP_URL: "must be an absolute http(s) URL",
        RFC3339: "must be a version or an RFC 3339 time with its offset, e.g. 2026-01-10T06:40:00Z",
    }
    for pattern, words in named.items():
        if repr(pattern)[1:-1] in message:
            return words
    multiline = repr(PARAGRAPHS)[1:-1] in message or repr(OPTIONAL_PARAGRAPHS)[1:-1] in message
    try:
        _text("", value, maximum=len(str(value)), minimum=1, multiline=multiline)
    except ValidationError as error:
        return error.message.removeprefix(": ")
    return "does not have the form it needs"


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


def _distinct(
    field: str, value: object, check: Callable[[object, str], str], what: str, maximum: int
) -> list[str]:
    """A list of values, each checked (naming its index), each kept once, at most ``maximum``."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(field, f"must be a list of {what}")
    result: list[str] = []
    for index, item in enumerate(value):
        checked = check(item, f"{field}[{index}]")
        if checked not in result:
            result.append(checked)
    if len(result) > maximum:
        raise ValidationError(field, f"at most {maximum} {what}")
    return result


def tags(value: object, field: str = "tags") -> list[str]:
    return _distinct(field, value, tag, "tags", TAGS_PER_ARTICLE)


def url(value: object, field: str = "url") -> str:
    text = line(field, value, URL_MAX)
    if not _HTTP_URL.search(text):
        raise ValidationError(field, "must be an absolute http(s) URL")
    return text


def staff_name(value: object, field: str = "name") -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    if not value or len(value) > STAFF_NAME_MAX or not _STAFF_NAME.search(value):
        raise ValidationError(
            field,
            f"must be 1-{STAFF_NAME_MAX} lower-case letters, digits, '.', '_' or '-'",
        )
    return value


def embed_kind(value: object, field: str = "kind") -> str:
    if value not in EMBED_KINDS:
        raise ValidationError(field, f"must be one of {', '.join(sorted(EMBED_KINDS))}")
    return str(value)


def byline(name: object, bio: object, *, required: bool = True) -> dict[str, str]:
    """A free-text byline; it may be left empty when staff authors make the byline."""
    return {
        "name": (line if required else optional_line)("byline.name", name, BYLINE_NAME_MAX),
        "bio": optional_line("byline.bio", bio, BIO_MAX),
    }


def staff_names(field: str, value: object) -> list[str]:
    """A list of staff names (authors, contributors, who may see an embargoed story), each once."""
    return _distinct(field, value, staff_name, "staff names", STAFF_PER_LIST)


def rich_text(field: str, value: object, maximum: int) -> str:
    """Required text in the rich-text subset (``newsroom.richtext``): links and images only by http(s)."""
    return richtext.check(field, paragraphs(field, value, maximum))


# An instant as RFC 3339 writes it (date, time, an offset; "t", "z" and a space accepted, as it allows).
RFC3339: Final = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))",
    re.ASCII,
)


def instant(field: str, value: str) -> datetime:
    """An RFC 3339 time, with its offset: a leap second reads as the second before it, and fractions finer
    than a microsecond are cut."""
    found = _RFC3339.fullmatch(value)
    if found is None:
        raise ValidationError(field, "must be an RFC 3339 time with its offset, e.g. 2026-01-10T06:40:00Z")
    year, month, day, hour, minute, second = (int(part) for part in found.group(1, 2, 3, 4, 5, 6))
    micros = int((found.group(7) or ".0")[1:7].ljust(6, "0"))
    try:
        if found.group(8):
            zone = UTC
        else:
            sign = -1 if found.group(9) == "-" else 1
            zone = timezone(sign * timedelta(hours=int(found.group(10)), minutes=int(found.group(11))))
        return datetime(year, month, day, hour, minute, min(second, 59), micros, tzinfo=zone)
    except ValueError:
        raise ValidationError(field, f"is not a time that exists: {value}") from None


def whole_number(field: str, value: str, *, low: int = 0, high: int = WHOLE_NUMBER_MAX) -> int:
    """A whole number written in ASCII digits, from ``low`` to ``high``: what every position, version,
    size and limit the API reads must be."""
    if not _WHOLE_NUMBER.fullmatch(value) or not low <= (number := int(value)) <= high:
        raise ValidationError(field, f"must be a whole number from {low} to {high}")
    return number
