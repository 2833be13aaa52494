"""uvicorn's HTTP protocol (httptools), with what it leaves out for a server on the open internet.

- **A deadline for each request.** uvicorn times a connection out only between requests (keep-alive), so a
  client that opens a connection and sends half a request head, or a body that never ends, holds the
  socket for ever (800 half-sent requests stayed open 41 s and longer). Here a request's head and body must
  arrive within NEWSROOM_REQUEST_TIMEOUT seconds of its first byte (a new connection's, of its opening).
- **A handle on the connection** for the app (``scope["newsroom.connection"]``): a live
  stream whose reader stopped reading is cut off, and then its socket is closed and the bytes queued for
  it are dropped, rather than kept for as long as the reader keeps the socket open; and the stream cap
  counts connections until they are really closed.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any, Protocol

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from web.settings import Settings

CLOSE_GRACE_SECONDS = 10.0  # a closed stream's last bytes get this long to reach a reader still reading


@cache
def request_seconds() -> float:
    return Settings.from_environ().request_timeout


class Watcher(Protocol):
    def connection_closed(self) -> None: ...


class Connection:
    """What the app may do with the connection a request came on (``scope["newsroom.connection"]``).

    Kept small: one per connection, for as long as it is open; a stream watching it is one reference, not a
    list of callbacks."""

    __slots__ = ("_protocol", "closed", "watcher")

    def __init__(self, protocol: GuardedHttpProtocol) -> None:
        self._protocol = protocol
        self.closed = False
        self.watcher: Watcher | None = None  # told once the socket is closed

    def abort(self) -> None:
        """Closes the socket now, dropping whatever is still queued for it."""
        self._protocol.transport.abort()

    def close_soon(self, grace: float = CLOSE_GRACE_SECONDS) -> None:
        """Closes the socket once what is queued has been sent, or after ``grace`` seconds regardless."""
        transport = self._protocol.transport
        if not transport.is_closing():
            transport.close()
            self._protocol.loop.call_later(grace, transport.abort)

    def end_with(self, data: bytes) -> None:
        """Ends the response with ``data`` when the app can no longer send it (its send waits behind a
        reader who is not reading): queued straight on the socket after what is waiting there, as the
        response's last chunk, then the socket closes soon."""
        cycle = self._protocol.cycle
        transport = self._protocol.transport
        if cycle is None or cycle.response_complete or transport.is_closing():
            return
        cycle.response_complete = True  # nothing more of it goes through uvicorn
        transport.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data) if cycle.chunked_encoding else data)
        self.close_soon()

    def lost(self) -> None:
        self.closed = True
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            watcher.connection_closed()


class GuardedHttpProtocol(HttpToolsProtocol):
    # In slots, not the instance's dict: two more keys there than uvicorn's own made every connection's
    # dict stop sharing its keys with the others' (1.3 KB more per open stream, measured).
    __slots__ = ("_connection", "_deadline")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._connection: Connection | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._connection = Connection(self)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
        if self._connection is not None:
            self._connection.lost()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            self._arm()
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        scope["newsroom.connection"] = self._connection

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(request_seconds(), self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.abort()  # nothing to answer: the request never arrived
