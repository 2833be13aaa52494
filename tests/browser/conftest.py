"""A real Chromium (Debian's package, driven by Playwright) against a real `newsroom serve` on SQLite."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.server import free_port, running_server
from tests.services import unavailable

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread while it is
# open, and later tests that start their own loop (asyncio.run) must not find it there.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("chromium is not installed: `make test` installs it (tests/browser/ensure-chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Site:
    """A running newsroom, its database, and tokens for an editor and a moderator."""

    base: str
    url: str
    port: int
    editor: str
    moderator: str
    auditor: str

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        return httpx.request(method, f"{self.base}{path}", headers=sent, timeout=10, **kwargs)

    def story(self, slug: str, headline: str = "Ferry stuck off Brenn Point") -> None:
        drafted = self.call(
            "POST",
            "/api/articles",
            self.editor,
            json={
                "slug": slug,
                "headline": headline,
                "body": "A ferry with 80 people aboard lost power in the strait this morning.",
                "byline": {"name": "Ana Ruiz", "bio": "Covers the coast."},
                "tags": ["coast"],
            },
        )
        assert drafted.status_code == 201, drafted.text
        published = self.call("POST", f"/api/articles/{slug}/publish", self.editor)
        assert published.status_code == 200
        self.settle(slug, published.json()["position"])

    def append(self, slug: str, body: str, label: str | None = None) -> dict[str, Any]:
        sent = {"body": body, **({"label": label} if label else {})}
        response = self.call("POST", f"/api/articles/{slug}/updates", self.editor, json=sent)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        self.settle(slug, result["position"])
        return result

    def settle(self, slug: str, position: int) -> None:
        """Wait until the read model holds this write, so a page opened next renders it (not the live
        stream, which would add it a second way)."""
        assert self.call("GET", f"/api/articles/{slug}?after={position}").status_code == 200


def staff_tokens(url: str) -> dict[str, str]:
    app = Newsroom.from_url(url)
    try:
        return {
            role: app.add_staff(f"{role}-1", Role(role), by=OPERATOR)[1]
            for role in ("editor", "moderator", "auditor")
        }
    finally:
        app.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path}/browser.sqlite3"
    tokens = staff_tokens(url)
    port = free_port()
    with running_server(url, port=port) as base:
        yield Site(base, url, port, tokens["editor"], tokens["moderator"], tokens["auditor"])


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 900, "height": 1200})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    opened.errors = errors
    yield opened
    context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
