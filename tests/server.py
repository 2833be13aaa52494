"""A real ``newsroom`` server process on a free port, for tests that go over sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(database_url: str, *args: str, port: int | None = None, **env: str) -> Iterator[str]:
    """Starts ``newsroom serve`` and yields its base URL once /healthz answers; stops it afterwards.

    The process is also reachable as ``running_server.last_process`` for tests that signal it.
    """
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsroom_cli", "serve", "--port", str(port), "--log-level", "warning", *args],
        cwd=ROOT,
        env={**os.environ, "NEWSROOM_DATABASE_URL": database_url, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    running_server.last_process = process  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"the server did not start:\n{output}")
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def published_story(database_url: str, slug: str, headline: str = "Storm warning") -> str:
    """Puts an editor and a published story in the store (before any server opens it); the editor's token."""
    from newsroom import Newsroom, Role
    from newsroom.staff import OPERATOR

    app = Newsroom.from_url(database_url)
    try:
        _, token = app.add_staff("desk", Role.EDITOR, by=OPERATOR)
        editor = app.authenticate(token)
        app.draft_article(slug=slug, headline=headline, body="Winds rising.", byline_name="D", by=editor)
        app.publish(slug, by=editor)
    finally:
        app.close()
    return token
