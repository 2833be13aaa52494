"""The OpenAPI 3.1 description of the JSON API (served at /openapi.json), made from the route table
(``web/routes.py``): each endpoint's request body and query parameters are the schemas of the structs its
handler decodes them into (``newsroom.commands``, ``web.queries``), so the document says what is enforced.
Response bodies are the structs of ``web.responses``."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from newsroom import commands, rules
from web.http import JSON
from web.responses import RESPONSES
from web.routes import ENDPOINTS, Endpoint

Schema = dict[str, Any]
REF = "#/components/schemas/{name}"


def _ref(name: str) -> Schema:
    return {"$ref": REF.format(name=name)}


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
        {kind for e in ENDPOINTS for kind in (e.body, e.query) if kind is not None} | set(RESPONSES),
        key=lambda k: k.__name__,
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
            "schemas": bodies,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _query_names() -> set[str]:
    return {e.query.__name__ for e in ENDPOINTS if e.query is not None}


async def openapi(request: Request) -> Response:
    return JSON(document())
