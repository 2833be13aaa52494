"""gzip for ordinary responses to clients that ask for it, and none of it for live streams."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


def accepts_gzip(scope: Scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"])


class CompressResponses:
    """Starlette's GZipMiddleware, only where it can compress: not on live streams (it never compresses an
    event stream, yet wrapping each of a stream's writes cost about 9% of the fan-out CPU at thousands of
    readers, py-spy), and not for a client that does not accept gzip (its pass-through wrapper was about 9%
    of a web process's time under bench/writes.py, whose editors, like most API clients, send no
    Accept-Encoding). Such a response goes without ``Vary: Accept-Encoding``: a cache may then keep the
    plain body for everyone, which every client can read; gzipped ones still carry it."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"].endswith("/live") or not accepts_gzip(scope)):
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)
