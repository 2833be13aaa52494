"""What one projector batch reads and writes: the read models' documents, read once, changed in memory and
written once when the batch ends, in the transaction that moves its tracking position."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import orjson

from projections.documents import Doc, Table, TimelineItem


class Statements(Protocol):
    """What the unit of work asks of the store's dialect (``SQLReadModels``)."""

    def sql(self, statement: str) -> str: ...

    def table(self, table: Table, suffix: str = "") -> str: ...

    def documents_select(self, table: Table, suffix: str, keys: list[str]) -> tuple[str, list[Any]]: ...

    def upsert_rows(self, cursor: Any, table: Table, suffix: str, rows: list[tuple[Any, ...]]) -> None: ...

    def delete_rows(self, cursor: Any, table: Table, suffix: str, keys: list[str]) -> None: ...


class UnitOfWork:
    """The unit of work of one batch: documents read once, changed in memory, written once at the end.

    Rows of append-only tables, and of tables whose rows are encoded when put (live items), are encoded
    when they are put: they share lists with the page they came from, and must keep the state of that moment
    even if the page changes later in the batch. Other documents are stored in their final state, so they
    are encoded once, at the flush. Announced messages become the batch's ``timeline``: what fan-out sends.
    """

    def __init__(self, store: Statements, suffix: str) -> None:
        self._store = store
        self.cursor: Any = None  # of the transaction documents are read in
        self._suffix = suffix
        self._docs: dict[tuple[str, str], Doc | None] = {}
        self._dirty: dict[tuple[str, str], tuple[Table, dict[str, Any]]] = {}
        self._appended: dict[Table, list[tuple[Any, ...]]] = {}
        self._rewritten: dict[Table, dict[str, tuple[Any, ...]]] = {}
        self._encoded: tuple[Doc, bytes] | None = None  # the message last encoded, put and announced alike
        self._replaced: list[tuple[Table, str, Any, bytes]] = []
        self.timeline: list[TimelineItem] = []

    def get(self, table: Table, key: str) -> Doc | None:
        slot = (table.name, key)
        if slot not in self._docs:
            self.cursor.execute(
                self._store.sql(f"SELECT doc FROM {self._store.table(table, self._suffix)} WHERE key = ?"),
                (key,),
            )
            row = self.cursor.fetchone()
            self._docs[slot] = orjson.loads(row["doc"]) if row else None
        return self._docs[slot]

    def prefetch(self, slots: Iterable[tuple[Table, str]]) -> tuple[str, list[Any]] | None:
        """One query for documents the batch will read (those not read yet), or None if there are none;
        ``fetched(rows)`` takes its answer. Documents that do not exist are remembered as None."""
        wanted: dict[tuple[str, str], Table] = {}
        for table, key in slots:
            if (table.name, key) not in self._docs:
                wanted[(table.name, key)] = table
        if not wanted:
            return None
        by_table: dict[str, tuple[Table, list[str]]] = {}
        for (name, key), table in wanted.items():
            by_table.setdefault(name, (table, []))[1].append(key)
            self._docs[(name, key)] = None
        selects, params = [], []
        for table, keys in by_table.values():
            select, select_params = self._store.documents_select(table, self._suffix, keys)
            selects.append(select)
            params.extend(select_params)
        return self._store.sql(" UNION ALL ".join(selects)), params

    def fetched(self, rows: Iterable[Any]) -> None:
        for row in rows:
            self._docs[(row["name"], row["key"])] = orjson.loads(row["doc"])

    def put(self, table: Table, key: str, doc: Doc, **columns: Any) -> None:
        if table.append_only or table.encoded_when_put:
            row = (key, self._encode(doc), *map(columns.__getitem__, table.column_names))
            if table.append_only:
                self._appended.setdefault(table, []).append(row)
            else:
                self._rewritten.setdefault(table, {})[key] = row
            return
        slot = (table.name, key)
        self._docs[slot] = doc
        self._dirty[slot] = (table, columns)

    def delete(self, table: Table, key: str) -> None:
        slot = (table.name, key)
        self._docs[slot] = None
        self._dirty[slot] = (table, {})

    def replace_all(self, table: Table, column: str, value: Any, doc: Doc) -> None:
        if column not in table.column_names:
            raise ValueError(f"{table.name} has no column {column}")
        self._replaced.append((table, column, value, orjson.dumps(doc)))

    def select(self, table: Table, column: str, value: Any) -> list[Doc]:
        """The stored documents with ``column = value``, as this batch has them (its changes included)."""
        self.cursor.execute(
            self._store.sql(
                f"SELECT key, doc FROM {self._store.table(table, self._suffix)} WHERE {column} = ?"
            ),
            (value,),
        )
        stored = set()
        for row in self.cursor.fetchall():
            stored.add(row["key"])
            slot = (table.name, row["key"])
            if slot not in self._docs:
                self._docs[slot] = orjson.loads(row["doc"])
        found: list[Doc] = []
        for (name, key), doc in self._docs.items():
            if name != table.name or doc is None:
                continue
            changed = self._dirty.get((name, key))
            # A document this batch changed matches by its new columns; any other by what is stored.
            if (changed[1].get(column) == value) if changed is not None else key in stored:
                found.append(doc)
        return found

    def announce(self, message: Doc, *, story_previous: int = 0, site_previous: int = 0) -> None:
        self.timeline.append(
            TimelineItem(
                message["position"],
                message["slug"],
                message["kind"],
                self._encode(message),
                story_previous,
                site_previous,
            )
        )

    def _encode(self, doc: Doc) -> bytes:
        if self._encoded is not None and self._encoded[0] is doc:
            return self._encoded[1]
        encoded = orjson.dumps(doc)
        self._encoded = (doc, encoded)
        return encoded

    def flush(self, cursor: Any) -> None:
        upserts: dict[str, tuple[Table, list[tuple[Any, ...]]]] = {}
        deletes: dict[str, tuple[Table, list[str]]] = {}
        for (_, key), (table, columns) in self._dirty.items():
            doc = self._docs[(table.name, key)]
            if doc is None:
                deletes.setdefault(table.name, (table, []))[1].append(key)
            else:
                row = (key, orjson.dumps(doc), *map(columns.__getitem__, table.column_names))
                upserts.setdefault(table.name, (table, []))[1].append(row)
        for table, rows in self._appended.items():
            upserts[table.name] = (table, rows)
        for table, by_key in self._rewritten.items():
            upserts[table.name] = (table, list(by_key.values()))
        for table, keys in deletes.values():
            self._store.delete_rows(cursor, table, self._suffix, keys)
        for table, rows in upserts.values():
            self._store.upsert_rows(cursor, table, self._suffix, rows)
        for table, column, value, encoded in self._replaced:  # after the batch's own rows are in
            cursor.execute(
                self._store.sql(
                    f"UPDATE {self._store.table(table, self._suffix)} SET doc = ? WHERE {column} = ?"
                ),
                (encoded, value),
            )
