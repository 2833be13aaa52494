"""The OpenAPI 3.1 description of the JSON API (served at /openapi.json), made from the route table
(``web/routes.py``): each endpoint's request body and query parameters are the schemas of the structs its
handler decodes them into (``newsroom.commands``, ``web.queries``), so the document says what is enforced.
Response bodies are described here."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from newsroom import commands, rules
from web.http import JSON
from web.routes import ENDPOINTS, Endpoint

Schema = dict[str, Any]
REF = "#/components/schemas/{name}"


def _object(required: list[str], properties: dict[str, Schema], *, closed: bool = True) -> Schema:
    schema: Schema = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _ref(name: str) -> Schema:
    return {"$ref": REF.format(name=name)}


NULLABLE_STRING: Schema = {"type": ["string", "null"]}
SLUG: Schema = {"type": "string", "pattern": rules.SLUG_PATTERN, "maxLength": rules.SLUG_MAX}
POSITION: Schema = {"type": "integer", "minimum": 0}

RESPONSES: dict[str, Schema] = {
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
    "Health": {"type": "object"},
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
            "summary": {"type": "string", "description": "What happened, in words"},
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
    "Moderation": _object(
        ["comments", "counts", "next_before"],
        {
            "comments": {"type": "array", "items": {"type": "object"}},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "next_before": {"type": ["integer", "null"]},
            "story": {"type": "object"},
        },
    ),
    "BulkModerated": _object(
        ["changed", "unchanged", "position"],
        {
            "changed": {"type": "integer"},
            "unchanged": {"type": "array", "items": {"type": "object"}},
            "position": {"type": ["integer", "null"]},
        },
    ),
    "Bans": _object(["bans"], {"bans": {"type": "array", "items": {"type": "object"}}}),
    "Banned": _object(["ban_id", "position"], {"ban_id": {"type": "string"}, "position": POSITION}),
    "Position": _object(["position"], {"position": POSITION}),
    "CommenterErased": _object(
        ["comments", "stories", "bans", "position"],
        {
            "comments": {"type": "integer"},
            "stories": {"type": "array", "items": {"type": "string"}},
            "bans": {"type": "integer"},
            "position": {"type": ["integer", "null"]},
        },
    ),
    "ItemProof": _object(
        ["slug", "kind", "position", "leaf_input", "key", "proof", "tree_head"],
        {
            "slug": SLUG,
            "kind": {"type": "string", "enum": ["update", "correction"]},
            "id": {"type": "string"},
            "version": {"type": "integer"},
            "position": POSITION,
            "leaf_input": {"type": "string", "description": "base64 of the exact bytes the leaf hashes"},
            "key": {"type": ["string", "null"], "description": "base64 AES-256-GCM key of its sealed words"},
            "proof": {"type": "object"},
            "tree_head": _ref("TreeHead"),
        },
    ),
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
            "changes": {"type": "array", "items": {"type": "object"}},
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
    "Member": _object(
        ["name", "role", "permissions", "display_name", "bio", "picture_url"],
        {
            "name": {"type": "string"},
            "role": {"type": "string", "enum": ["editor", "moderator", "auditor", "admin"]},
            "permissions": {"type": "array", "items": {"type": "string"}},
            "display_name": {"type": "string"},
            "bio": {"type": "string"},
            "picture_url": {"type": "string"},
        },
    ),
    "StaffList": _object(
        ["staff"],
        {
            "staff": {
                "type": "array",
                "items": _object(
                    ["name", "role", "display_name"],
                    {
                        "name": {"type": "string"},
                        "role": {"type": "string"},
                        "display_name": {"type": "string"},
                    },
                ),
            }
        },
    ),
    "DeskStories": _object(
        ["stories", "next_before"],
        {
            "stories": {"type": "array", "items": {"type": "object"}},
            "next_before": {"type": ["integer", "null"]},
        },
    ),
    "Markdown": _object(["html"], {"html": {"type": "string"}}),
    "SearchResults": _object(["results"], {"results": {"type": "array", "items": {"type": "object"}}}),
    "Presence": _object(
        ["editors"],
        {
            "editors": {
                "type": "array",
                "items": _object(
                    ["name", "display_name"], {"name": {"type": "string"}, "display_name": {"type": "string"}}
                ),
            }
        },
    ),
    "PreviewLink": _object(
        ["url", "expires_at"], {"url": {"type": "string"}, "expires_at": {"type": "integer"}}
    ),
    "EmbargoProof": _object(
        ["slug", "committed", "commitment", "embargoed_at", "until", "released_at", "record"],
        {
            "slug": SLUG,
            "committed": _object(
                ["slug", "headline", "body"],
                {"slug": SLUG, "headline": {"type": "string"}, "body": {"type": "string"}},
            ),
            "commitment": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "embargoed_at": {"type": "string"},
            "until": {"type": "string"},
            "released_at": {"type": "string"},
            "record": _object(
                ["position", "leaf_input", "leaf_hash"],
                {"position": POSITION, "leaf_input": {"type": "string"}, "leaf_hash": {"type": "string"}},
            ),
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
    400: "Malformed JSON or header",
    401: "No valid staff token",
    403: "The token's role may not do this",
    404: "No such article, update or comment",
    409: "Conflicts with the article's current state or version",
    410: "Gone: erased by lawful removal",
    413: "Body over 64 KB",
    415: "Body is not application/json",
    422: "A field failed validation (details.field names it)",
    429: "Too many requests (see Retry-After)",
    503: "The store is unavailable or the server is full (see Retry-After)",
}

# If-Match as the handler reads it: a version, quoted or not, weak or not (a version past 18 digits is no
# version this store will reach).
IF_MATCH: Schema = {"type": "string", "pattern": r'^(?:W/)?"?[0-9]{1,18}"?$'}
HEADERS: dict[str, Schema] = {
    "If-Match": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "schema": IF_MATCH,
        "description": "The article version the edit was made against; stale -> 409 with what changed since.",
    },
    "Idempotency-Key": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": "A retry with the same key returns the first answer and writes nothing.",
    },
}
PATH_PARAMETER: dict[str, Schema] = {
    "position": {"type": "integer", "minimum": 0, "maximum": rules.WHOLE_NUMBER_MAX},
}


def _path_parameters(path: str) -> list[Schema]:
    return [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETER.get(name, {"type": "string"})}
        for name in re.findall(r"{(\w+)}", path)
    ]


def _query_parameters(kind: type[Any], components: dict[str, Schema]) -> list[Schema]:
    schema = components[kind.__name__]
    parameters = []
    for name, field in schema["properties"].items():
        options = [option for option in field.get("anyOf", [field]) if option.get("type") != "null"]
        field_schema = {key: value for key, value in options[0].items() if key != "description"}
        if "default" in field and field["default"] is not None:
            field_schema["default"] = field["default"]
        parameter: Schema = {
            "name": name,
            "in": "query",
            "required": name in schema.get("required", []),
            "schema": field_schema,
        }
        if "description" in field or "description" in options[0]:
            parameter["description"] = field.get("description", options[0].get("description"))
        parameters.append(parameter)
    return parameters


def _responses(endpoint: Endpoint) -> Schema:
    if "/" in endpoint.response:  # a media type of its own: a stream, NDJSON, text
        content: Schema = {endpoint.response: {"schema": {"type": "string"}}}
    else:
        content = {"application/json": {"schema": _ref(endpoint.response)}}
    responses: Schema = {str(endpoint.status): {"description": "OK", "content": content}}
    for status in endpoint.errors:
        responses[str(status)] = {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    return responses


def _operation(endpoint: Endpoint, components: dict[str, Schema]) -> Schema:
    parameters = _path_parameters(endpoint.path)
    if endpoint.query is not None:
        parameters += _query_parameters(endpoint.query, components)
    if endpoint.conditional:
        parameters.append(HEADERS["If-Match"])
    if endpoint.idempotent:
        parameters.append(HEADERS["Idempotency-Key"])
    operation: Schema = {
        "summary": endpoint.summary,
        "operationId": endpoint.handler.__name__,
        "parameters": parameters,
        "responses": _responses(endpoint),
    }
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": not commands.optional_body(endpoint.body),
            "content": {"application/json": {"schema": _ref(endpoint.body.__name__)}},
        }
    if endpoint.permission is not None or endpoint.optional_staff or endpoint.signed_in:
        operation["security"] = [{"bearer": []}]
        if endpoint.optional_staff:
            operation["security"].append({})
    return operation


@cache
def document() -> dict[str, Any]:
    structs = sorted(
        {kind for e in ENDPOINTS for kind in (e.body, e.query) if kind is not None}, key=lambda k: k.__name__
    )
    _, components = msgspec.json.schema_components(structs, ref_template=REF)
    for kind in structs:
        components[kind.__name__].update(getattr(kind, "schema_extra", {}))
    paths: dict[str, Schema] = {}
    for endpoint in ENDPOINTS:
        if endpoint.documented:
            paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, components)
    bodies = {name: schema for name, schema in components.items() if name not in _query_names()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Newsroom",
            "version": "0.1.0",
            "description": "Event-sourced newsroom: articles, live updates, comments, audit.",
        },
        "paths": paths,
        "components": {
            "schemas": {**bodies, **RESPONSES},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _query_names() -> set[str]:
    return {e.query.__name__ for e in ENDPOINTS if e.query is not None}


async def openapi(request: Request) -> Response:
    return JSON(document())
