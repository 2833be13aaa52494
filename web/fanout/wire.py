"""What travels from the projector to the web processes: a published batch, and its bytes on the wire."""

from __future__ import annotations

from dataclasses import dataclass

from projections.documents import TimelineItem


@dataclass(frozen=True)
class Published:
    """A batch of live messages as the projector published it."""

    items: list[TimelineItem]
    previous: int | None  # the position published just before these; None when unknown


def encode(published: Published) -> bytes:
    """One message per batch: a header line, then one line per item (orjson never writes newlines)."""
    header = b"%d" % (published.previous if published.previous is not None else -1)
    lines = [
        b"%d\t%s\t%s\t%s" % (i.position, i.slug.encode(), i.kind.encode(), i.data) for i in published.items
    ]
    return b"\n".join([header, *lines])


def decode(message: bytes) -> Published:
    header, *lines = message.split(b"\n")
    items = []
    for line in lines:
        position, slug, kind, data = line.split(b"\t", 3)
        items.append(TimelineItem(int(position), slug.decode(), kind.decode(), data))
    previous = int(header)
    return Published(items, None if previous < 0 else previous)
