"""The OpenAPI 3.1 description of every route, body and error (served at /openapi.json)."""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from newsroom import rules
from web.http import JSON

Schema = dict[str, Any]


def _string(max_length: int, *, min_length: int = 1, **extra: Any) -> Schema:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **extra}


def _object(required: list[str], properties: dict[str, Schema], *, closed: bool = True) -> Schema:
    schema: Schema = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


NULLABLE_STRING: Schema = {"type": ["string", "null"]}
SLUG: Schema = {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": rules.SLUG_MAX}
POSITION: Schema = {"type": "integer", "minimum": 0}

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        ["error"],
        {
            "error": _object(
                ["code", "message"],
                {"code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}},
            )
        },
    ),
    "Receipt": _object(
        ["version", "position"],
        {
            "version": {"type": "integer", "minimum": 1},
            "position": POSITION,
            "slug": SLUG,
            "update_id": {"type": "string"},
            "comment_id": {"type": "string"},
            "embed_id": {"type": "string"},
        },
    ),
    "DraftArticle": _object(
        ["slug", "headline", "body"],
        {
            "slug": SLUG,
            "headline": _string(rules.HEADLINE_MAX),
            "body": _string(rules.ARTICLE_BODY_MAX),
            "byline": {
                "oneOf": [
                    _string(rules.BYLINE_NAME_MAX),
                    _object(
                        ["name"],
                        {"name": _string(rules.BYLINE_NAME_MAX), "bio": _string(rules.BIO_MAX, min_length=0)},
                    ),
                ]
            },
            "tags": {"type": "array", "maxItems": rules.TAGS_PER_ARTICLE, "items": _string(rules.TAG_MAX)},
        },
    ),
    "EditArticle": _object(
        [],
        {
            "headline": _string(rules.HEADLINE_MAX),
            "body": _string(rules.ARTICLE_BODY_MAX),
            "correction_note": _string(rules.NOTE_MAX, min_length=0),
        },
    ),
    "AppendUpdate": _object(
        ["body"], {"body": _string(rules.UPDATE_BODY_MAX), "label": _string(rules.LABEL_MAX, min_length=0)}
    ),
    "ReviseUpdate": _object(
        ["body"], {"body": _string(rules.UPDATE_BODY_MAX), "note": _string(rules.NOTE_MAX, min_length=0)}
    ),
    "Reason": _object(["reason"], {"reason": _string(rules.REASON_MAX)}),
    "Tag": _object(["tag"], {"tag": _string(rules.TAG_MAX)}),
    "Embed": _object(
        ["kind", "url"],
        {
            "kind": {"type": "string", "enum": sorted(rules.EMBED_KINDS)},
            "url": _string(rules.URL_MAX, format="uri"),
            "caption": _string(rules.CAPTION_MAX, min_length=0),
        },
    ),
    "Related": _object(
        ["url", "title"], {"url": _string(rules.URL_MAX, format="uri"), "title": _string(rules.TITLE_MAX)}
    ),
    "Comment": _object(
        ["author", "body"],
        {
            "author": _string(rules.COMMENT_AUTHOR_MAX),
            "body": _string(rules.COMMENT_BODY_MAX),
            "reply_to": {"type": "string"},
        },
    ),
    "ArticlePage": _object(
        ["slug", "headline", "body", "byline", "status", "version", "updates", "comments", "pinned"],
        {
            "slug": SLUG,
            "headline": {"type": "string"},
            "body": {"type": "string"},
            "byline": {"type": "object"},
            "status": {"type": "string", "enum": ["draft", "published", "unpublished"]},
            "version": {"type": "integer"},
            "position": POSITION,
            "updates": {"type": "array", "items": {"type": "object"}},
            "comments": {"type": "array", "items": {"type": "object"}},
            "pinned": {"type": "array", "items": {"type": "string"}},
            "published_at": NULLABLE_STRING,
        },
        closed=False,
    ),
    "FrontPage": _object(
        ["articles", "next_before"],
        {
            "articles": {"type": "array", "items": {"type": "object"}},
            "next_before": {"type": ["integer", "null"]},
        },
    ),
    "EventRecord": _object(
        ["position", "version", "at", "actor", "type", "aggregate_id", "data"],
        {
            "position": {"type": ["integer", "null"]},
            "version": {"type": "integer"},
            "at": {"type": "string"},
            "actor": NULLABLE_STRING,
            "type": {"type": "string"},
            "aggregate_id": {"type": "string"},
            "data": {"type": "object"},
        },
    ),
    "History": _object(
        ["slug", "events", "next_after_version"],
        {
            "slug": SLUG,
            "events": {"type": "array", "items": _ref("EventRecord")},
            "next_after_version": {"type": ["integer", "null"]},
        },
    ),
    "Log": _object(
        ["events", "next_after"],
        {
            "events": {"type": "array", "items": _ref("EventRecord")},
            "next_after": {"type": ["integer", "null"]},
        },
    ),
    "Moderation": _object(["comments"], {"comments": {"type": "array", "items": {"type": "object"}}}),
    "Diff": _object(
        ["slug", "from", "to", "events", "headline", "body", "status", "tags", "updates", "comments"],
        {
            "slug": SLUG,
            "from": {"type": "object"},
            "to": {"type": "object"},
            "events": {"type": "integer"},
            "headline": {"type": ["object", "null"]},
            "body": {"type": ["object", "null"]},
            "status": {"type": ["object", "null"]},
            "tags": {"type": "object"},
            "updates": {"type": "object"},
            "comments": {"type": "object"},
            "other": {"type": "array"},
        },
    ),
    "TreeHead": _object(
        ["tree_size", "root_hash", "last_position", "timestamp", "signature"],
        {
            "tree_size": {"type": "integer", "minimum": 0},
            "root_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "last_position": POSITION,
            "timestamp": {"type": "string"},
            "signature": {"type": ["string", "null"], "description": "base64 Ed25519, or null if no key"},
            "public_key": {"type": "string"},
            "key_id": {"type": "string"},
        },
        closed=False,
    ),
    "InclusionProof": _object(
        ["position", "leaf_index", "leaf_hash", "tree_size", "root_hash", "audit_path"],
        {
            "position": POSITION,
            "leaf_index": {"type": "integer"},
            "leaf_hash": {"type": "string"},
            "tree_size": {"type": "integer"},
            "root_hash": {"type": "string"},
            "audit_path": {"type": "array", "items": {"type": "string"}},
        },
    ),
    "ConsistencyProof": _object(
        ["from", "to", "from_root", "to_root", "proof"],
        {
            "from": {"type": "integer"},
            "to": {"type": "integer"},
            "from_root": {"type": "string"},
            "to_root": {"type": "string"},
            "proof": {"type": "array", "items": {"type": "string"}},
        },
    ),
}

ERROR_TEXT = {
    "400": "Malformed JSON or header",
    "401": "No valid staff token",
    "403": "The token's role may not do this",
    "404": "No such article, update or comment",
    "409": "Conflicts with the article's current state or version",
    "413": "Body over 64 KB",
    "415": "Body is not application/json",
    "422": "A field failed validation (details.field names it)",
    "429": "Too many requests (see Retry-After)",
    "503": "The store is unavailable (see Retry-After)",
}


def _errors(*statuses: str) -> dict[str, Any]:
    return {
        status: {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for status in statuses
    }


def _json(description: str, schema: Schema, status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


PATH_PARAMS = {
    "slug": {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
    "update_id": {"name": "update_id", "in": "path", "required": True, "schema": {"type": "string"}},
    "comment_id": {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "string"}},
    "tag": {"name": "tag", "in": "path", "required": True, "schema": {"type": "string"}},
}
WRITE_HEADERS = [
    {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "The article version the edit was made against; stale -> 409 with what changed since.",
    },
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "maxLength": 200},
        "description": "A retry with the same key returns the first answer and writes nothing.",
    },
]
WRITE_ERRORS = ("400", "401", "403", "404", "409", "413", "415", "422", "503")


def _write(
    summary: str,
    params: list[str],
    body: str | None,
    *,
    status: str = "200",
    staff: bool = True,
    errors: tuple[str, ...] = WRITE_ERRORS,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [PATH_PARAMS[name] for name in params] + WRITE_HEADERS,
        "responses": {**_json("Written", _ref("Receipt"), status), **_errors(*errors)},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    if staff:
        operation["security"] = [{"bearer": []}]
    return operation


def _read(
    summary: str,
    params: list[dict[str, Any]],
    schema: Schema,
    errors: tuple[str, ...],
    *,
    staff: bool = False,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": params,
        "responses": {**_json("OK", schema), **_errors(*errors)},
    }
    if staff:
        operation["security"] = [{"bearer": []}]
    return operation


def _query(name: str, schema: Schema, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _stream(summary: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    resume = [
        {
            "name": "Last-Event-ID",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "Resume after this position: the missed changes come first, then live ones.",
        },
        _query("last_event_id", {"type": "string"}, "the same, for clients that cannot set headers"),
    ]
    return {
        "summary": summary,
        "description": "Each message: id = global position, event = kind, data = one JSON object.",
        "parameters": params + resume,
        "responses": {
            "200": {
                "description": "An endless event stream",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            },
            **_errors("404", "503"),
        },
    }


ARTICLE = "/api/articles/{slug}"
UPDATE = f"{ARTICLE}/updates/{{update_id}}"
COMMENT = f"{ARTICLE}/comments/{{comment_id}}"
INT = {"type": "integer", "minimum": 0}

PATHS: dict[str, dict[str, Any]] = {
    "/api/articles": {
        "get": _read(
            "Published articles, most recently active first",
            [
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                _query("before", {"type": "integer", "minimum": 1}),
                _query("tag", {"type": "string"}),
                _query("after", INT, "wait for this position first"),
            ],
            _ref("FrontPage"),
            ("400", "422"),
        ),
        "post": _write(
            "Draft an article",
            [],
            "DraftArticle",
            status="201",
            errors=("400", "401", "403", "409", "413", "415", "422", "503"),
        ),
    },
    ARTICLE: {
        "get": _read(
            "The article page (or, for auditors, as it stood at ?as_of=VERSION or ISO time)",
            [
                PATH_PARAMS["slug"],
                _query("after", INT, "wait for this position first"),
                _query("as_of", {"type": "string"}, "auditors: a version or an ISO-8601 time"),
            ],
            _ref("ArticlePage"),
            ("400", "401", "403", "404", "422", "503"),
        ),
        "patch": _write("Edit headline and/or body (with a public correction note)", ["slug"], "EditArticle"),
    },
    f"{ARTICLE}/publish": {"post": _write("Publish", ["slug"], None)},
    f"{ARTICLE}/unpublish": {"post": _write("Unpublish", ["slug"], "Reason")},
    f"{ARTICLE}/updates": {"post": _write("Append a dated update", ["slug"], "AppendUpdate", status="201")},
    UPDATE: {"patch": _write("Revise an update", ["slug", "update_id"], "ReviseUpdate")},
    f"{UPDATE}/strike": {
        "post": _write("Strike an update (stays visible, struck)", ["slug", "update_id"], "Reason")
    },
    f"{UPDATE}/pin": {"post": _write("Pin a key update", ["slug", "update_id"], None)},
    f"{UPDATE}/unpin": {"post": _write("Unpin an update", ["slug", "update_id"], None)},
    f"{ARTICLE}/tags": {"post": _write("Tag", ["slug"], "Tag")},
    f"{ARTICLE}/tags/{{tag}}": {"delete": _write("Untag", ["slug", "tag"], None)},
    f"{ARTICLE}/embeds": {
        "post": _write("Attach an embed (map, image, ...)", ["slug"], "Embed", status="201")
    },
    f"{ARTICLE}/related": {"post": _write("Link a related article", ["slug"], "Related", status="201")},
    f"{ARTICLE}/comments": {
        "post": _write(
            "Post a reader comment",
            ["slug"],
            "Comment",
            status="201",
            staff=False,
            errors=("400", "404", "409", "413", "415", "422", "429", "503"),
        )
    },
    f"{ARTICLE}/comments/close": {"post": _write("Close comments", ["slug"], None)},
    f"{ARTICLE}/comments/reopen": {"post": _write("Reopen comments", ["slug"], None)},
    f"{COMMENT}/hide": {"post": _write("Hide a comment (moderators)", ["slug", "comment_id"], "Reason")},
    f"{COMMENT}/restore": {
        "post": _write("Restore a comment (moderators)", ["slug", "comment_id"], "Reason")
    },
    f"{ARTICLE}/history": {
        "get": _read(
            "Every event of the article (auditors)",
            [
                PATH_PARAMS["slug"],
                _query("after_version", INT),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
            ],
            _ref("History"),
            ("400", "401", "403", "404", "422", "503"),
            staff=True,
        )
    },
    f"{ARTICLE}/diff": {
        "get": _read(
            "What changed between two versions, and who changed it (auditors)",
            [PATH_PARAMS["slug"], _query("from", INT), _query("to", INT)],
            _ref("Diff"),
            ("401", "403", "404", "422", "503"),
            staff=True,
        )
    },
    "/api/audit/export": {
        "get": {
            "summary": "The whole log as NDJSON, one event a line with its leaf hash (auditors)",
            "parameters": [_query("after", INT)],
            "security": [{"bearer": []}],
            "responses": {
                "200": {
                    "description": "A stream of JSON lines",
                    "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                },
                **_errors("401", "403", "422", "503"),
            },
        }
    },
    "/api/audit/tree-head": {
        "get": _read(
            "The signed head of the audit tree (public)",
            [_query("after", INT, "wait for this position first")],
            _ref("TreeHead"),
            ("422", "503"),
        )
    },
    "/api/audit/proof/{position}": {
        "get": _read(
            "RFC 9162 inclusion proof of the event at a position (auditors)",
            [
                {"name": "position", "in": "path", "required": True, "schema": {"type": "string"}},
                _query("tree_size", INT),
            ],
            _ref("InclusionProof"),
            ("401", "403", "404", "422", "503"),
            staff=True,
        )
    },
    "/api/audit/consistency": {
        "get": _read(
            "RFC 9162 consistency proof between two tree sizes (auditors)",
            [_query("from", INT), _query("to", INT)],
            _ref("ConsistencyProof"),
            ("401", "403", "404", "422", "503"),
            staff=True,
        )
    },
    "/api/audit/events": {
        "get": _read(
            "The global event log (auditors)",
            [_query("after", INT), _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000})],
            _ref("Log"),
            ("400", "401", "403", "422", "503"),
            staff=True,
        )
    },
    "/api/moderation": {
        "get": _read(
            "Comments with their moderation record (moderators)",
            [
                _query("slug", {"type": "string"}),
                _query("hidden", {"type": "string"}),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                _query("after", INT, "wait for this position first"),
            ],
            _ref("Moderation"),
            ("400", "401", "403", "422", "503"),
            staff=True,
        )
    },
    f"{ARTICLE}/live": {"get": _stream("Server-Sent Events: this story's changes", [PATH_PARAMS["slug"]])},
    "/api/live": {"get": _stream("Server-Sent Events: every story's changes", [])},
    "/healthz": {"get": _read("Liveness", [], {"type": "object"}, ())},
    "/readyz": {
        "get": _read("Readiness: store reachable, projections caught up", [], {"type": "object"}, ("503",))
    },
}


@cache
def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Newsroom",
            "version": "0.1.0",
            "description": "Event-sourced newsroom: articles, live updates, comments, audit.",
        },
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def openapi(request: Request) -> Response:
    return JSON(document())
