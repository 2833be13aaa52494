from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from web.app import create_app
from web.settings import Settings


@dataclass
class Api:
    """An HTTP client that knows a token per role."""

    client: TestClient
    tokens: dict[str, str]
    url: str
    counter: list[int] = field(default_factory=lambda: [0])

    def call(
        self,
        method: str,
        path: str,
        *,
        role: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if role is not None:
            sent["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.client.request(method, path, json=json, headers=sent, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, json=json, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def story(self, slug: str | None = None, *, publish: bool = True, tags: list[str] | None = None) -> str:
        """A new article (published unless told otherwise); returns its slug."""
        self.counter[0] += 1
        slug = slug or f"story-{self.counter[0]}"
        drafted = self.post(
            "/api/articles",
            {
                "slug": slug,
                "headline": f"Headline {slug}",
                "body": "Body.",
                "byline": {"name": "Ana Ruiz", "bio": "Covers the port."},
                "tags": tags or [],
            },
            role="editor",
        )
        assert drafted.status_code == 201, drafted.text
        if publish:
            assert self.post(f"/api/articles/{slug}/publish", role="editor").status_code == 200
        return slug

    def settled(self, path: str, response: httpx.Response, **kwargs: Any) -> httpx.Response:
        """GET ``path`` once the read models reflect ``response``'s write (read-your-writes)."""
        params = {**kwargs.pop("params", {}), "after": response.json()["position"]}
        return self.get(path, params=params, **kwargs)


def make_api(url: str, **settings: Any) -> Iterator[Api]:
    app = Newsroom.from_url(url)
    tokens = {role.value: app.add_staff(f"{role.value}-1", role, by=OPERATOR)[1] for role in Role}
    app.close()
    config = Settings(database_url=url, **{"comment_limit": 10_000, **settings})
    with TestClient(create_app(config), raise_server_exceptions=False) as client:
        yield Api(client=client, tokens=tokens, url=url)


@pytest.fixture
def api_url(sql_url: str) -> str:
    return sql_url


@pytest.fixture
def api(api_url: str) -> Iterator[Api]:
    yield from make_api(api_url)
