"""Server-Sent Events frames, encoded by sse-starlette (``ServerSentEvent``), once per message: the same
bytes go to every reader of it. Lines end in a bare line feed, which every SSE reader takes."""

from __future__ import annotations

import random

import orjson
from sse_starlette import ServerSentEvent

SEPARATOR = "\n"


def frame(kind: str, data: bytes | str, position: int | None = None) -> bytes:
    """A message: ``id:`` its position (none for messages that must not move a reader's Last-Event-ID),
    ``event:`` its kind, ``data:`` one JSON object."""
    text = data.decode() if isinstance(data, bytes) else data
    ident = None if position is None else str(position)
    return ServerSentEvent(text, event=kind, id=ident, sep=SEPARATOR).encode()


def retry(milliseconds: int) -> bytes:
    return ServerSentEvent(retry=milliseconds, sep=SEPARATOR).encode()


def comment(text: str) -> bytes:
    return ServerSentEvent(comment=text, sep=SEPARATOR).encode()


def control(kind: str, message: str) -> bytes:
    """A message about the stream itself, with no id (it must not move a reader's Last-Event-ID)."""
    return frame(kind, orjson.dumps({"message": message}))


OVERFLOW = control("overflow", "you fell too far behind; reconnect with Last-Event-ID to catch up")
RESYNC = control("resync", "that position is not in this feed; reload the page and start again")
PING = comment("ping")

# How long a browser waits to reconnect after a drop: 1 to 3 s, drawn for each stream, so that the readers of
# a web process (or an edge) that goes away come back spread out instead of all at once.
RETRY_MS = (1000, 3000)


def spread_retry() -> bytes:
    return retry(random.randint(*RETRY_MS))  # noqa: S311 - spreading load, not a secret
