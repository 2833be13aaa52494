"""A bounded fuzz over every route of a real `newsroom serve`: hostile numbers, text, headers and tokens in
every place a request can carry them, and not one answer of 500 or more."""

from __future__ import annotations

import concurrent.futures
import json
import random
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.server import running_server
from tests.services import create_schema, postgres_url
from web.app import ROUTES

REQUESTS = 2500
SEED = 20261201

NUMBERS = [
    "0",
    "1",
    "7",
    "-1",
    "--5",
    "²",
    "٣",
    "1_0",
    "1e3",
    "0x1f",
    "+3",
    " 2",
    "9" * 19,
    str(2**63),
    "9" * 4301,
]
TEXT = [
    "",
    " ",
    "Flood warning",
    "\uffff",
    "\ufffe",
    "\ufdd0",
    "\x85",
    "\x9b[31m",
    "\u2028",
    "\u2029",
    "\x00",
    "\x1b",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "é" * 300,
    "a" * 70_000,
    "../../etc/passwd",
    "%00",
    "🌊" * 50,
]
TIMES = [
    "2026-01-10T06:40:00Z",
    "2026-13-45",
    "yesterday",
    "2026-01-10T06:40:00",
    "9999-12-31T23:59:59+14:00",
]


def _values(rng: random.Random) -> Any:
    """A JSON value of any type, as a fuzzer would send for a field."""
    return rng.choice(
        [
            rng.choice(TEXT),
            rng.choice(NUMBERS),
            rng.randint(-(2**70), 2**70),
            None,
            True,
            [rng.choice(TEXT)],
            {"name": rng.choice(TEXT)},
            1.5e308,
        ]
    )


# Texts a read looks for in a store (a NUL was a 500 on PostgreSQL).
TEXT_PARAMETERS = ["q", "slug", "status", "state", "client"]
SHORT_TEXT = [text for text in TEXT if len(text) < 1000]  # what fits in a URL

FIELDS = [
    "slug", "headline", "body", "byline", "tags", "label", "reason", "note", "correction_note", "author",
    "reply_to", "tag", "kind", "url", "caption", "title", "unknown",
]  # fmt: skip


ROUTE_FIELDS = [
    ("/updates", ["body", "label"]),
    ("/comments", ["author", "body"]),
    ("/strike", ["reason"]),
    ("/hide", ["reason"]),
    ("/restore", ["reason"]),
    ("/unpublish", ["reason"]),
    ("/tags", ["tag"]),
    ("/embeds", ["kind", "url", "caption"]),
    ("/related", ["url", "title"]),
    ("/api/articles", ["slug", "headline", "body"]),
    ("/flood", ["headline", "body", "correction_note"]),
]


@pytest.fixture(params=[("sqlite", REQUESTS), ("postgres", 1200)], ids=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    store, count = request.param
    if store == "sqlite":
        yield from _site(f"sqlite:///{tmp_path}/fuzz.sqlite3", count)
    else:
        dbname = request.getfixturevalue("pg_database")
        yield from _site(postgres_url(dbname, create_schema(dbname)), count)


def _site(url: str, count: int) -> Any:
    app = Newsroom.from_url(url)
    tokens = {role: app.add_staff(f"{role}-1", Role(role), by=OPERATOR)[1] for role in ("editor", "admin")}
    editor = app.authenticate(tokens["editor"])
    app.draft_article(
        slug="flood", headline="Flood", body="Rising.", byline_name="D", tags=["port"], by=editor
    )
    app.publish("flood", by=editor)
    update = app.append_update("flood", body="First.", by=editor).id
    comment = app.add_comment("flood", author="Lea", body="Hi", reply_to=None).id
    article_hex = app.article("flood").id.hex
    app.close()
    assert update is not None and comment is not None
    with running_server(url, NEWSROOM_COMMENT_LIMIT="1000000", NEWSROOM_REQUEST_TIMEOUT="5") as base:
        yield base, tokens, {"update": update.hex, "comment": comment.hex, "article": article_hex}, count


def _request(
    rng: random.Random, tokens: dict[str, str], ids: dict[str, str]
) -> tuple[str, str, dict[str, Any]]:
    route = rng.choice([r for r in ROUTES if isinstance(r, Route)])
    method = rng.choice(sorted(route.methods or {"GET"}))
    fill = {
        "slug": rng.choice(["flood", "flood", "nothing-here", "FLOOD", "é", "a" * 200, "%2e%2e"]),
        "update_id": rng.choice([ids["update"], ids["comment"], "0" * 32, "xyz", "²" * 32]),
        "comment_id": rng.choice([ids["comment"], ids["update"], "0" * 32, "not-hex"]),
        "tag": rng.choice(["port", "nope", "UPPER", "é"]),
        "embed_id": rng.choice(["0" * 32, "not-hex", ids["update"]]),
        "position": rng.choice(NUMBERS),
        "name": rng.choice(["editor-1", "nobody", "UPPER", "é", "a" * 100]),
        "version": rng.choice(NUMBERS),
        "ban_id": rng.choice(["0" * 32, "not-hex", ids["update"], "é"]),
    }
    path = re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], route.path)
    params = {
        name: rng.choice(
            NUMBERS + TIMES if name == "as_of" else SHORT_TEXT if name in TEXT_PARAMETERS else NUMBERS
        )
        for name in rng.sample(
            [
                "limit",
                "after",
                "before",
                "from",
                "to",
                "tree_size",
                "after_version",
                "as_of",
                "last_event_id",
                "tag",
                *TEXT_PARAMETERS,
            ],
            rng.randint(0, 3),
        )
    }
    headers: dict[str, Any] = {}
    token = rng.choices(
        [
            None,
            tokens["editor"],
            tokens["admin"],
            f"nr_{ids['article']}_x",  # an article's id: public
            f"nr_{'f' * 32}_{'x' * 43}",
            "nr_²_x",
            "nonsense",
        ],
        weights=[10, 15, 50, 10, 5, 5, 5],
    )[0]
    if token is not None:
        headers["Authorization"] = rng.choices([f"Bearer {token}", token, f"Basic {token}"], [85, 10, 5])[0]
    for name, values in (
        ("If-Match", [*NUMBERS, '"3"', "W/3", ""]),
        ("Newsroom-After", NUMBERS),
        ("Last-Event-ID", NUMBERS),
        ("Idempotency-Key", ["k1", "", "é" * 300]),
        ("X-Forwarded-For", ["1.2.3.4", "garbage, 5.6.7.8"]),
        ("Host", ["evil.example", "localhost"]),
        ("Accept", ["text/html", "application/json", "*/*"]),
    ):
        if rng.random() < 0.2:
            headers[name] = rng.choice(values).encode()
    headers = {
        name: (value.encode() if isinstance(value, str) else value).strip() for name, value in headers.items()
    }
    kwargs: dict[str, Any] = {"params": params, "headers": headers}
    if method in ("POST", "PATCH", "DELETE", "PUT"):
        shape = rng.random()
        if shape < 0.35:  # the fields the route takes, each with a value of any kind
            wanted = next((fields for end, fields in ROUTE_FIELDS if path.endswith(end)), FIELDS[:3])
            plain = {
                "url": "https://example.org/map",
                "kind": "map",
                "tag": "harbour",
                "slug": f"s{rng.randint(0, 99)}",
            }
            body = {
                field: rng.choice([_values(rng), rng.choice(TEXT), plain.get(field, "Flood warning")])
                for field in wanted
            }
            kwargs["content"] = json.dumps(body).encode()
            headers["Content-Type"] = b"application/json"
        elif shape < 0.7:
            body = {field: _values(rng) for field in rng.sample(FIELDS, rng.randint(0, 4))}
            kwargs["content"] = json.dumps(body).encode()  # json: integers of any size
            headers["Content-Type"] = b"application/json"
        elif shape < 0.8:
            kwargs["content"] = b'{"body": "unterminated'
            headers["Content-Type"] = b"application/json"
        elif shape < 0.9:
            kwargs["content"] = b"[1, 2, 3]"
            headers["Content-Type"] = rng.choice([b"application/json", b"text/plain"])
        else:
            kwargs["content"] = b"x" * 70_000
            headers["Content-Type"] = b"application/json"
    return method, path, kwargs


def _send(client: httpx.Client, method: str, path: str, kwargs: dict[str, Any]) -> tuple[int, str]:
    with client.stream(method, path, **kwargs) as response:  # streams: the status is what counts here
        status = response.status_code
        text = (
            "" if "text/event-stream" in response.headers.get("content-type", "") else response.read()[:300]
        )
    return status, f"{method} {path} {kwargs.get('params')} {kwargs.get('headers')} -> {status} {text!r}"


def test_no_input_to_any_route_gets_an_answer_of_500_or_more(site: Any) -> None:
    base, tokens, ids, count = site
    rng = random.Random(SEED)
    requests = [_request(rng, tokens, ids) for _ in range(count)]
    with (
        httpx.Client(base_url=base, timeout=httpx.Timeout(10, read=3)) as client,
        concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool,
    ):
        answers = list(pool.map(lambda request: _send(client, *request), requests))
    failures = [line for status, line in answers if status >= 500]
    assert failures == [], f"{len(failures)} of {count} answered >= 500:\n" + "\n".join(failures[:20])
    assert len({status for status, _ in answers}) >= 8  # the fuzz reached many different answers
