"""A small real SSE client for tests: a thread reading a stream over a socket into a list of events."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Event:
    id: int | None
    kind: str
    data: str


@dataclass
class Reader:
    """Reads ``url`` in a background thread until stopped or the server ends the stream."""

    url: str
    last_event_id: int | None = None
    events: list[Event] = field(default_factory=list)
    ended: threading.Event = field(default_factory=threading.Event)
    connected: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _socket: socket.socket | None = None
    status: int | None = None

    def start(self) -> Reader:
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        if not self.connected.wait(10):
            raise TimeoutError(f"could not connect to {self.url}")
        return self

    def _read(self) -> None:
        headers = {"Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = str(self.last_event_id)
        try:
            with httpx.stream(
                "GET", self.url, headers=headers, timeout=httpx.Timeout(5, read=None)
            ) as response:
                self.status = response.status_code
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                self.connected.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line == "":
                        if "event" in fields or "data" in fields:
                            ident = fields.get("id")
                            self.events.append(
                                Event(
                                    int(ident) if ident else None,
                                    fields.get("event", "message"),
                                    fields.get("data", ""),
                                )
                            )
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
        except (httpx.HTTPError, RuntimeError, OSError):
            pass  # the connection was dropped, by the server or by stop()
        finally:
            self.connected.set()
            self.ended.set()

    def stop(self) -> None:
        """Drops the connection now, as a reader closing the tab would."""
        self._stop.set()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)  # wakes the reading thread at once
        if self._thread is not None:
            self._thread.join(timeout=10)

    def ids(self) -> list[int]:
        return [event.id for event in self.events if event.id is not None]

    def wait_for(self, condition: Callable[[Reader], bool], timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self):
                return True
            time.sleep(0.01)
        return condition(self)


def site_feed_opens(base: str) -> bool:
    """Whether a new reader of the site feed is let in: answered 200 and sent the opening tree head."""
    reader = Reader(f"{base}/api/live").start()
    try:
        return (
            reader.wait_for(lambda r: any(e.kind == "tree-head" for e in r.events)) and reader.status == 200
        )
    finally:
        reader.stop()
