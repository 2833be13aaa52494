"""Every change to an article is declared once (``newsroom.commands``), and from that one declaration it has
a route, an OpenAPI operation that states its constraints, and a dispatch to the application."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from newsroom import Newsroom, commands
from newsroom.commands import Change
from web.app import API_ROUTES
from web.openapi import document
from web.routes import CHANGE_ENDPOINTS


@pytest.mark.parametrize("kind", commands.CHANGES, ids=lambda kind: kind.__name__)
def test_every_change_has_a_route_an_operation_with_its_constraints_and_a_dispatch(
    kind: type[Change],
) -> None:
    endpoint = CHANGE_ENDPOINTS[kind]
    served = {(route.path, method) for route in API_ROUTES for method in route.methods or ()}
    assert (endpoint.path, endpoint.method) in served

    operation = document()["paths"][endpoint.path][endpoint.method.lower()]
    assert operation["operationId"] == kind.name()
    assert (operation.get("security") is not None) is (kind.permission is not None)
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert ("If-Match" in headers) is kind.conditional
    assert "Idempotency-Key" in headers
    if kind.item is not None:
        assert f"{{{kind.item}_id}}" in endpoint.path or f"{{{kind.item}}}" in endpoint.path
    if kind.__struct_fields__:
        schema_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = document()["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
        _, expected = msgspec.json.schema_components([kind])
        for name, field in expected[kind.__name__]["properties"].items():
            assert body["properties"][name] == field  # each field's type, length, pattern and description
        assert body.get("required", []) == expected[kind.__name__].get("required", [])
        assert body["additionalProperties"] is False  # unknown fields are refused, and the schema says so
    else:
        assert "requestBody" not in operation

    method = getattr(Newsroom, kind.name())
    assert method.__name__ == kind.name()
    assert method.__doc__ == kind.__doc__


def test_a_command_is_data_it_compares_and_runs_the_same_again() -> None:
    first = commands.build(commands.AppendUpdate, "ferry", body="Late again.", by=_editor())
    again = commands.build(commands.AppendUpdate, "ferry", body="Late again.", by=_editor())
    assert first == again
    assert first.name == "append_update"
    assert "Late again." in repr(first)
    assert msgspec.json.decode(msgspec.json.encode(first.change), type=commands.AppendUpdate) == first.change


def test_every_change_is_routed() -> None:
    assert set(CHANGE_ENDPOINTS) == set(commands.CHANGES)


def _editor() -> Any:
    from newsroom.staff import OPERATOR

    return OPERATOR
