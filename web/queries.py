"""The query parameters of every read, declared as structs: their types, bounds and descriptions are what
the handler enforces and what the OpenAPI document says (``web/openapi.py`` reads them)."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta
from starlette.requests import Request

from newsroom import rules
from newsroom.errors import ValidationError
from newsroom.rules import PSEUDONYM_LENGTH

Position = Annotated[int, Meta(ge=0, le=rules.WHOLE_NUMBER_MAX, description="A position in the event log.")]
Version = Annotated[int, Meta(ge=0, le=rules.WHOLE_NUMBER_MAX, description="A version of the article.")]
TreeSize = Annotated[int, Meta(ge=1, le=rules.WHOLE_NUMBER_MAX, description="A size of the audit tree.")]
After = Annotated[
    int,
    Meta(
        ge=0,
        le=rules.WHOLE_NUMBER_MAX,
        description="Read your write: wait (up to 2 s) until the read models hold this position.",
    ),
]
AsOf = Annotated[
    str,
    Meta(
        description="Auditors: the article as it stood at this version, or at this RFC 3339 time.",
        # A version, or an RFC 3339 date-time (which the handler reads: rules.instant).
        extra_json_schema={"anyOf": [{"pattern": r"^[0-9]{1,18}$(?!\n)"}, {"format": "date-time"}]},
    ),
]


PageLimit = Annotated[int, Meta(ge=1, le=100, description="How many, at most.")]
LogLimit = Annotated[int, Meta(ge=1, le=1000, description="How many, at most.")]
Before = Annotated[
    int, Meta(ge=1, le=rules.WHOLE_NUMBER_MAX, description="The last page's next_before: the page after it.")
]


def query_text(description: str, max_length: int = 200) -> Meta:
    """A text parameter: not empty, no control characters (PostgreSQL refuses NUL), not too long."""
    return Meta(min_length=1, pattern=rules.QUERY_TEXT, max_length=max_length, description=description)


class Query(msgspec.Struct, frozen=True, kw_only=True):
    """Unknown parameters are ignored, as caches and browsers add their own."""


class ArticleList(Query, frozen=True, kw_only=True):
    limit: PageLimit = 20
    before: Before | None = None
    tag: Annotated[str, query_text("Only stories with this tag.")] | None = None
    after: After | None = None


class ArticleRead(Query, frozen=True, kw_only=True):
    after: After | None = None
    as_of: AsOf | None = None


class History(Query, frozen=True, kw_only=True):
    after_version: Version = 0
    limit: LogLimit = 100


class Log(Query, frozen=True, kw_only=True):
    after: Position = 0
    limit: LogLimit = 100


class Export(Query, frozen=True, kw_only=True):
    after: Position = 0
    slug: Annotated[str, query_text("Only this story's records.")] | None = None


class Diff(Query, frozen=True, kw_only=True):
    """Two versions, in either order."""

    from_: Annotated[int, Meta(ge=1, le=rules.WHOLE_NUMBER_MAX)] = msgspec.field(name="from")
    to: Annotated[int, Meta(ge=1, le=rules.WHOLE_NUMBER_MAX)]


class Proof(Query, frozen=True, kw_only=True):
    tree_size: TreeSize | None = None


class Consistency(Query, frozen=True, kw_only=True):
    from_: TreeSize = msgspec.field(name="from")
    to: TreeSize | None = None


class TreeHeadRead(Query, frozen=True, kw_only=True):
    after: After | None = None


class ModerationQueue(Query, frozen=True, kw_only=True):
    slug: Annotated[str, query_text("One story's comments.")] | None = None
    hidden: Annotated[bool, Meta(description="Hidden comments only.")] = False
    state: (
        Annotated[
            Literal["held", "flagged", "new", "approved", "hidden", "erased"],
            Meta(description="Only comments in this state of the queue."),
        ]
        | None
    ) = None
    client: (
        Annotated[
            str,
            Meta(
                pattern=f"^[0-9a-f]{{{PSEUDONYM_LENGTH}}}$",
                description="Only this client's comments (its whole pseudonym, as the queue shows it).",
            ),
        ]
        | None
    ) = None
    before: Before | None = None
    limit: PageLimit = 100
    after: After | None = None


class Search(Query, frozen=True, kw_only=True):
    q: Annotated[str, query_text("Words to find (all of them).")]
    tag: Annotated[str, query_text("Only stories with this tag.", max_length=40)] | None = None
    before: (
        Annotated[
            int, Meta(ge=1, le=rules.WHOLE_NUMBER_MAX, description="Only what came before this position.")
        ]
        | None
    ) = None
    limit: PageLimit = 20
    after: After | None = None


class DeskStories(Query, frozen=True, kw_only=True):
    status: (
        Annotated[
            Literal["draft", "scheduled", "embargoed", "published", "withdrawn"],
            Meta(description="Only stories in this state."),
        ]
        | None
    ) = None
    q: Annotated[str, query_text("Only stories whose headline holds this.")] | None = None
    limit: PageLimit = 50
    before: (
        Annotated[int, Meta(ge=1, le=rules.WHOLE_NUMBER_MAX, description="The last page's next_before.")]
        | None
    ) = None
    after: After | None = None


def read_query(request: Request, kind: type[Query]) -> Any:
    """The request's query parameters as ``kind``: 422 naming the parameter when one does not fit, is
    empty, or is given twice. Whole numbers are read strictly (ASCII digits only: ``rules.whole_number``),
    as everywhere in the API; texts hold nothing a store cannot (``rules.query_text``)."""
    given: dict[str, Any] = {}
    for name, is_int, is_bool in _fields(kind):
        raw = single_param(request, name)
        if raw is None:
            continue
        if raw == "":  # ?after= means nothing: a client meaning "none" leaves it out
            raise ValidationError(name, "must not be empty (leave it out instead)")
        if is_int:
            given[name] = rules.whole_number(name, raw)
        elif is_bool:
            if raw not in ("true", "false"):
                raise ValidationError(name, "must be true or false")
            given[name] = raw == "true"
        else:
            given[name] = rules.query_text(name, raw)
    try:
        return msgspec.convert(given, kind)
    except msgspec.ValidationError as error:
        raise ValidationError(*field_and_message(error, given)) from None


def single_param(request: Request, name: str) -> str | None:
    """A query parameter given once (None: not given); given twice, 422: which one was meant?"""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError(name, "is given more than once")
    return values[0] if values else None


@cache
def _fields(kind: type[Query]) -> list[tuple[str, bool, bool]]:
    """(parameter name, is a whole number, is true/false) for each field."""
    found = []
    for field in msgspec.inspect.type_info(kind).fields:  # type: ignore[attr-defined]
        inner = field.type
        if isinstance(inner, msgspec.inspect.UnionType):
            inner = next(t for t in inner.types if not isinstance(t, msgspec.inspect.NoneType))
        while isinstance(inner, msgspec.inspect.Metadata):
            inner = inner.type
        found.append(
            (
                field.encode_name,
                isinstance(inner, msgspec.inspect.IntType),
                isinstance(inner, msgspec.inspect.BoolType),
            )
        )
    return found


def field_and_message(error: msgspec.ValidationError, given: Any = None) -> tuple[str, str]:
    """msgspec says ``Expected `int` <= 100 - at `$.limit```: the field (``limit``) and what it expected;
    a pattern it names is put in words (``given``: the decoded request, to say what is wrong with a value)."""
    text = str(error)
    message, where = text.rsplit(" - at `", 1) if " - at `" in text else (text, "$`")
    field = where.rstrip("`").removeprefix("$").removeprefix(".")
    for marker in ("missing required field `", "unknown field `"):
        if marker in message:
            field = message.split(marker, 1)[1].split("`", 1)[0]
    if " matching regex " in message:
        value = given.get(field) if isinstance(given, dict) and "." not in field else None
        return field, rules.explain(message, value)
    return field or "body", message.replace("`", "")
