"""What a projection sees of storage: tables of JSON documents with a few indexed columns.

Projection logic is plain Python over this interface; each backend (SQLite, PostgreSQL) implements it with
one transaction per batch that also records the projection's tracking position, so every event is applied
exactly once even across crashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Protocol

import orjson

from projections.records import Recorded

Doc = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "text" | "int" | "bool"


@dataclass(frozen=True, eq=False)  # tables are constants: compared and hashed by identity, cheaply
class Table:
    """A table of documents keyed by ``key``, with ``columns`` copied out of the document for queries."""

    name: str
    columns: tuple[Column, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    # Rows written once and never read back while projecting: stored as they are when put, even if the
    # documents they were made from change later in the same batch.
    append_only: bool = False
    # Rows rewritten whole and never read back while projecting (a reader-facing message per item): like
    # append-only rows encoded when put, the last put of a key in a batch is the one stored.
    encoded_when_put: bool = False
    # A text column the backend keeps a full-text index of (SQLite FTS5, PostgreSQL tsvector and GIN).
    search: str | None = None

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


class Documents(Protocol):
    """The unit of work a projection writes through while it handles one batch of events."""

    def get(self, table: Table, key: str) -> Doc | None: ...

    def put(self, table: Table, key: str, doc: Doc, **columns: Any) -> None: ...

    def delete(self, table: Table, key: str) -> None: ...

    def replace_all(self, table: Table, column: str, value: Any, doc: Doc) -> None:
        """Every row of ``table`` whose ``column`` holds ``value`` (rows this batch added too) gets ``doc``
        as its document, at the end of the batch: for scrubbing an append-only table's past rows."""

    def select(self, table: Table, column: str, value: Any) -> list[Doc]:
        """Every document of ``table`` whose ``column`` holds ``value`` (as this batch has them)."""

    def announce(self, message: Doc, *, story_previous: int = 0, site_previous: int = 0) -> None:
        """A change readers are told of live, as it stands at this moment of the batch, with the positions
        of the messages told before it on its story's channel and on the site's (0: none)."""


@dataclass(frozen=True)
class TimelineItem:
    """A reader-visible change, its JSON encoded once: what fan-out sends to every reader."""

    position: int
    slug: str
    kind: str
    data: bytes
    # The positions of the messages told before this one on its story's channel and on the site's (0:
    # none), as the projector knows them: an edge that is told both can tell a gap from the next message.
    story_previous: int = 0
    site_previous: int = 0


class Projection(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> int:
        """Raised when what the read model keeps changes: a store holding an older version rebuilds it."""

    @property
    def retired_tables(self) -> tuple[str, ...]:
        """Tables older versions kept and this one does not, dropped when the store moves on from them."""

    @property
    def tables(self) -> tuple[Table, ...]: ...

    @property
    def topics(self) -> frozenset[str] | None:
        """The event topics it reads, or None for every record of the log as stored (not decoded)."""

    def reads(self, event: Recorded) -> Iterable[tuple[Table, str]]:
        """The documents ``apply`` may read for this event: a store can fetch a batch's all at once."""

    def apply(self, docs: Documents, events: Sequence[Recorded]) -> None:
        """Applies a batch of events (of its topics, in log order)."""


class EventByEvent:
    """A projection that applies a batch one event at a time, in log order."""

    version = 1
    retired_tables: tuple[str, ...] = ()

    def apply(self, docs: Documents, events: Sequence[Recorded]) -> None:
        for event in events:
            self.apply_one(docs, event)

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        raise NotImplementedError


@dataclass
class MemoryDocuments:
    """Documents held in dicts: the reference implementation, and what unit tests and as-of views use."""

    rows: dict[str, dict[str, tuple[Doc, dict[str, Any]]]] = field(default_factory=dict)
    announced: list[Doc] = field(default_factory=list)

    def get(self, table: Table, key: str) -> Doc | None:
        row = self.rows.get(table.name, {}).get(key)
        return row[0] if row else None

    def put(self, table: Table, key: str, doc: Doc, **columns: Any) -> None:
        if table.append_only or table.encoded_when_put:  # kept as it is now, like the SQL stores do
            doc = orjson.loads(orjson.dumps(doc))
        self.rows.setdefault(table.name, {})[key] = (doc, columns)

    def delete(self, table: Table, key: str) -> None:
        self.rows.get(table.name, {}).pop(key, None)

    def replace_all(self, table: Table, column: str, value: Any, doc: Doc) -> None:
        rows = self.rows.get(table.name, {})
        for key, (_, columns) in list(rows.items()):
            if columns.get(column) == value:
                rows[key] = (orjson.loads(orjson.dumps(doc)), columns)

    def select(self, table: Table, column: str, value: Any) -> list[Doc]:
        rows = self.rows.get(table.name, {}).values()
        return [doc for doc, columns in rows if columns.get(column) == value]

    def announce(self, message: Doc, *, story_previous: int = 0, site_previous: int = 0) -> None:
        self.announced.append(orjson.loads(orjson.dumps(message)))

    def all(self, table: Table) -> list[tuple[Doc, dict[str, Any]]]:
        return list(self.rows.get(table.name, {}).values())


def iso(moment: datetime) -> str:
    return moment.isoformat()


def micros(moment: datetime) -> int:
    """An instant as whole microseconds since the epoch: ordered by SQL, whatever the ISO form."""
    return (moment - EPOCH) // timedelta(microseconds=1)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
