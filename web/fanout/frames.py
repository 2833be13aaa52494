"""Server-Sent Events frames, encoded by sse-starlette (``ServerSentEvent``), once per message: the same
bytes go to every reader of it. Lines end in a bare line feed, which every SSE reader takes."""

from __future__ import annotations

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
