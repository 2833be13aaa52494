"""Read models in SQL tables beside the events: the store both backends share, which knows no read model.

A backend (``projections.sqlite``, ``projections.postgres``) mixes ``SQLReadModels`` into the library's
tracking recorder for its database and supplies the dialect: placeholder, column types, table naming, and
how a rebuilt table's indexes take the live names. Everything a batch changes and the projection's tracking
position are written in one transaction (``process``), so an event is applied exactly once. Rebuilding,
versions and tracking are here too. Each read model's queries are its own (``*_queries.py`` beside it);
``projections.registry`` puts a backend and every read model's queries together.
"""

from __future__ import annotations

import contextlib
import threading
import time
from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import orjson
from eventsourcing.persistence import IntegrityError, OperationalError, ProgrammingError

from projections.documents import Doc, Projection, Table, TimelineItem
from projections.records import Recorded
from projections.unit_of_work import UnitOfWork

REBUILD_SUFFIX = "__rebuild"
SMALL_BATCH = 20  # events: a live batch, whose writes are few rows each
PREFETCH_KEYS = 400  # documents read per statement (SQLite allows 32,766 parameters, PostgreSQL 65,535)


class RunnerLock(Protocol):
    def acquire(self, *, blocking: bool) -> bool: ...


UPSTREAM = "Newsroom"


def tracking_name(projection: str, version: int = 1, suffix: str = "") -> str:
    """The tracking row of a read model (the library keys tracking rows by upstream application name);
    versions after the first are part of the name, so a store can tell an older read model from a new one."""
    versioned = projection if version == 1 else f"{projection}@{version}"
    return f"{UPSTREAM}/{versioned}{suffix}"


def row_names(table: Table) -> list[str]:
    """The columns of a stored row: its key, its encoded document, then the table's own columns."""
    return ["key", "doc", *table.column_names]


def update_on_conflict(names: list[str]) -> str:
    """The clause that makes an insert of whole rows (``row_names``) an upsert on their key."""
    return "ON CONFLICT (key) DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in names[1:])


# A read model, the events it has not applied yet, and the position it has applied up to.
Work = tuple[Projection, Sequence[Recorded], int]


class SQLReadModels:
    """Statements and queries shared by the SQLite and PostgreSQL read-model stores."""

    placeholder: ClassVar[str] = "?"
    types: ClassVar[dict[str, str]] = {}
    blob_type: ClassVar[str] = "BLOB"
    # Apply a batch before taking the write lock, not inside the writing transaction: for a database
    # with one writer at a time, whose reads cost no round trip.
    applies_before_writing: ClassVar[bool] = False
    datastore: Any

    def __init__(self, projections: Sequence[Projection]) -> None:
        self.projections = tuple(projections)
        self._versions = {projection.name: projection.version for projection in self.projections}
        self._upserts: dict[tuple[str, str], str] = {}

    def tracking(self, projection: str, suffix: str = "") -> str:
        """The name of a read model's tracking row, at the version this code keeps."""
        return tracking_name(projection, self._versions.get(projection, 1), suffix)

    # -- dialect -----------------------------------------------------------------------------------

    @abstractmethod
    def table(self, table: Table, suffix: str = "") -> str:
        """The quoted, qualified name of a table."""

    if TYPE_CHECKING:  # provided by the library's tracking recorder that each backend mixes in

        def max_tracking_id(self, application_name: str) -> int | None: ...

    @abstractmethod
    def index_swap_statements(self, table: Table, columns: tuple[str, ...]) -> list[str]:
        """After a rebuilt table takes the live name: statements that give its index the live name."""

    def opening(
        self, cursor: Any, queries: list[tuple[str, Sequence[Any]]], *, snapshot: bool = False
    ) -> list[list[Any]]:
        """Runs the queries a batch's transaction starts with and returns each one's rows. A backend with
        round trips to save sends them together (and may set the transaction up first). With
        ``snapshot``, every query sees the same commits (SQLite's read transaction always does)."""
        answers = []
        for statement, params in queries:
            cursor.execute(statement, params)
            answers.append(list(cursor.fetchall()))
        return answers

    def pipelined(self, cursor: Any, *, small: bool) -> AbstractContextManager[object]:
        """Where the driver can, sends a small batch's writes together rather than one round trip each."""
        return contextlib.nullcontext()

    @abstractmethod
    def plain_rows(self, cursor: Any, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Runs a query whose rows are many: as plain tuples, by the driver's cheapest path."""

    def sql(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def index_name(self, table: Table, columns: tuple[str, ...], suffix: str = "") -> str:
        return f"{table.name}_{'_'.join(columns)}_idx{suffix}"

    def table_statements(self, table: Table, suffix: str = "", *, indexes: bool = True) -> list[str]:
        columns = "".join(f", {column.name} {self.types[column.kind]}" for column in table.columns)
        statements = [
            f"CREATE TABLE IF NOT EXISTS {self.table(table, suffix)} "
            f"(key TEXT PRIMARY KEY, doc {self.blob_type} NOT NULL{columns}{self.search_column(table)})",
            *self.search_table_statements(table, suffix),
        ]
        return statements + (self.index_statements(table, suffix) if indexes else [])

    def index_statements(self, table: Table, suffix: str = "") -> list[str]:
        return [
            *(
                f"CREATE INDEX IF NOT EXISTS {self.index_name(table, index, suffix)} "
                f"ON {self.table(table, suffix)} ({', '.join(index)})"
                for index in table.indexes
            ),
            *self.search_index_statements(table, suffix),
        ]

    # A table with a full-text index (``Table.search``): what each backend adds for it.
    def search_column(self, table: Table) -> str:
        """More of the table's columns, made from the searched one."""
        return ""

    def search_table_statements(self, table: Table, suffix: str) -> list[str]:
        """What the index needs beside the table from the start (rows are written into it at once)."""
        return []

    def search_index_statements(self, table: Table, suffix: str) -> list[str]:
        """What the index needs once the rows are in (a rebuild builds it after loading)."""
        return []

    def search_switch_statements(self, table: Table) -> list[str]:
        """After a rebuilt table took the live name: the index under the live name."""
        return []

    def search_drop_statements(self, table: Table, suffix: str = "") -> list[str]:
        """What the index kept apart from the table, when the table goes."""
        return []

    def documents_select(self, table: Table, suffix: str, keys: list[str]) -> tuple[str, list[Any]]:
        """A query for ``(name, key, doc)`` of a table's documents with these keys, and its parameters:
        chunks of PREFETCH_KEYS keys, as the number of parameters is limited."""
        selects: list[str] = []
        params: list[Any] = []
        for start in range(0, len(keys), PREFETCH_KEYS):
            chunk = keys[start : start + PREFETCH_KEYS]
            selects.append(
                f"SELECT ? AS name, key, doc FROM {self.table(table, suffix)} "
                f"WHERE key IN ({', '.join('?' for _ in chunk)})"
            )
            params.extend([table.name, *chunk])
        return " UNION ALL ".join(selects), params

    def upsert_statement(self, table: Table, suffix: str) -> str:
        cache_key = (table.name, suffix)
        if cache_key not in self._upserts:
            names = row_names(table)
            self._upserts[cache_key] = self.sql(
                f"INSERT INTO {self.table(table, suffix)} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' for _ in names)}) {update_on_conflict(names)}"
            )
        return self._upserts[cache_key]

    def upsert_rows(self, cursor: Any, table: Table, suffix: str, rows: list[tuple[Any, ...]]) -> None:
        """Rows are (key, encoded doc, *column values); keys are unique within one call."""
        cursor.executemany(self.upsert_statement(table, suffix), rows)

    def delete_rows(self, cursor: Any, table: Table, suffix: str, keys: list[str]) -> None:
        cursor.executemany(
            self.sql(f"DELETE FROM {self.table(table, suffix)} WHERE key = ?"), [(k,) for k in keys]
        )

    def scrub(self) -> bool:
        """Whatever the backend does, once an erasure is projected, so that no copy of the erased text is
        left in its files; False when it must be tried again later. (PostgreSQL: nothing here; its dead
        rows are the maintenance step ``newsroom scrub`` rewrites.)"""
        return True

    def rewrite_files(self) -> list[str]:
        """Rewrites what may still hold freed copies of erased text; names what it rewrote."""
        raise NotImplementedError

    # -- writing -----------------------------------------------------------------------------------

    def process(self, work: Sequence[Work], last_position: int, suffix: str = "") -> list[TimelineItem]:
        """Applies a batch to each read model in ``work`` and records ``last_position`` for each, all in one
        transaction (one commit for every read model); returns the new timeline items.

        The transaction first moves the read models' tracking rows on, only where they still say where the
        batch was computed from (which locks them until the commit): if any had moved (another projector,
        or a rebuild that swapped tables in meanwhile), the library's IntegrityError is raised and nothing
        of the batch is kept.
        """
        if not work:
            return []
        names = [self.tracking(projection.name, suffix) for projection, _, _ in work]
        # The library's single-row tracking: each read model's row moves on to the batch's last position,
        # only if it still holds the position the batch was computed from.
        check = (
            self.sql(
                f"UPDATE {self.tracking_table} SET notification_id = ? WHERE "
                + " OR ".join("(application_name = ? AND notification_id = ?)" for _ in work)
                + " RETURNING application_name"
            ),
            [
                last_position,
                *(
                    value
                    for name, (*_, applied) in zip(names, work, strict=True)
                    for value in (name, applied)
                ),
            ],
        )
        batch = UnitOfWork(self, suffix)
        slots = (
            slot for projection, events, _ in work for event in events for slot in projection.reads(event)
        )
        if self.applies_before_writing:
            # One writer at a time (SQLite): read and apply under a read transaction, which blocks nobody,
            # and hold the write lock only to check the positions and write. Documents read early are still
            # current if the positions are: whoever changes a read model moves its position in the same
            # transaction.
            with self.datastore.transaction(commit=False) as cursor:
                batch.cursor = cursor
                prefetch = batch.prefetch(slots)
                if prefetch is not None:
                    batch.fetched(self.opening(cursor, [prefetch])[0])
                for projection, events, _ in work:
                    projection.apply(batch, events)
            with self.datastore.transaction(commit=True) as cursor:
                self._check_positions(self.opening(cursor, [check])[0], names)
                batch.flush(cursor)
            return batch.timeline
        with self.datastore.transaction(commit=True) as cursor:
            batch.cursor = cursor
            # Every document the batch will read, asked for with the position check: for a live batch on
            # PostgreSQL, that is one round trip before the projections run instead of one per document.
            prefetch = batch.prefetch(slots)
            answers = self.opening(cursor, [check] if prefetch is None else [check, prefetch])
            self._check_positions(answers[0], names)
            if prefetch is not None:
                batch.fetched(answers[1])
            for projection, events, _ in work:
                projection.apply(batch, events)
            small = sum(len(events) for _, events, _ in work) < SMALL_BATCH * len(work)
            with self.pipelined(cursor, small=small):
                batch.flush(cursor)
        return batch.timeline

    @staticmethod
    def _check_positions(moved: list[Any], names: list[str]) -> None:
        if len(moved) != len(names):
            raise IntegrityError(f"{', '.join(names)}: a position moved on; the batch is stale")

    def position(self, projection: str, suffix: str = "") -> int:
        return self.max_tracking_id(self.tracking(projection, suffix)) or 0

    def positions(self, projections: Sequence[str], suffix: str = "") -> dict[str, int]:
        """Every named read model's position in one query (the projector asks before each batch)."""
        names = {self.tracking(name, suffix): name for name in projections}
        rows = self._rows(
            f"SELECT application_name, MAX(notification_id) AS position FROM {self.tracking_table} "
            f"WHERE application_name IN ({', '.join('?' for _ in names)}) GROUP BY application_name",
            list(names),
        )
        found = {names[row["application_name"]]: int(row["position"] or 0) for row in rows}
        return {name: found.get(name, 0) for name in projections}

    def wait_for(self, position: int, timeout: float, projection: str = "article-pages") -> bool:
        """Read-your-writes: waits until ``projection`` has applied ``position``; False on timeout."""
        deadline = time.monotonic() + timeout
        pause = 0.002
        while self.position(projection) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return True

    # -- rebuild -----------------------------------------------------------------------------------

    def create_tables(self, projection: Projection, suffix: str = "", *, indexes: bool = True) -> None:
        """A read model's tables and tracking row; a rebuild leaves the indexes out until it has loaded
        everything (``index_rebuilt``), as building an index in one go beats growing it row by row."""
        with self.datastore.transaction(commit=True) as cursor:
            for table in projection.tables:
                for statement in self.table_statements(table, suffix, indexes=indexes):
                    cursor.execute(statement)
            self._start_tracking(cursor, self.tracking(projection.name, suffix))

    def index_rebuilt(self, projection: Projection) -> None:
        """Indexes the rebuilt tables before they go live, outside the switch's transaction, one index a
        transaction: on SQLite each build holds the database's one write lock, and the live site's writes
        get in between (the article page's four took 11 s in one on 1,000,000 events, the longest 4.7 s)."""
        for table in projection.tables:
            for statement in self.index_statements(table, REBUILD_SUFFIX):
                with self.datastore.transaction(commit=True) as cursor:
                    cursor.execute(statement)

    @property
    def beats_table(self) -> str:
        """Where the running projector says, every few seconds, that it is running (``beat``)."""
        return self.table(Table("newsroom_projector_beats"))

    def beat(self, at_ms: int) -> None:
        # Made here, by the one projector, not where every process opens the store: a schema change
        # there met a rebuild's write lock on SQLite at once (a read transaction cannot wait to write).
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.beats_table} "
                f"(key TEXT PRIMARY KEY, at_ms {self.types['int']})"
            )
            cursor.execute(
                self.sql(
                    f"INSERT INTO {self.beats_table} (key, at_ms) VALUES ('projector', ?) "
                    "ON CONFLICT (key) DO UPDATE SET at_ms = excluded.at_ms"
                ),
                (at_ms,),
            )

    def last_beat(self) -> int | None:
        """When the projector last said it was running (ms since the epoch), if ever."""
        try:
            rows = self._rows(f"SELECT at_ms FROM {self.beats_table} WHERE key = 'projector'")
        except (ProgrammingError, OperationalError) as error:
            if "no such table" in str(error) or "does not exist" in str(error):
                return None  # no projector has run on this store yet
            raise
        return int(rows[0]["at_ms"]) if rows else None

    def start_tracking(self) -> None:
        """Every live read model has a tracking row from the start, so a batch always has one to lock.

        A read model kept by an older version of its projection is emptied and starts again from the
        first event, in the transaction that retires the old tracking row (so only one of several
        processes starting together does it): the projector then rebuilds it from the log."""
        with self.datastore.transaction(commit=True) as cursor:
            for projection in self.projections:
                older = [tracking_name(projection.name, version) for version in range(1, projection.version)]
                if older:
                    cursor.execute(
                        self.sql(
                            f"DELETE FROM {self.tracking_table} WHERE application_name IN "
                            f"({', '.join('?' for _ in older)}) RETURNING application_name"
                        ),
                        tuple(older),
                    )
                    if cursor.fetchall():
                        self._empty(cursor, projection)
                self._start_tracking(cursor, self.tracking(projection.name))

    def _empty(self, cursor: Any, projection: Projection) -> None:
        for name in projection.retired_tables:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table(Table(name))}")
        for table in projection.tables:
            for statement in self.search_drop_statements(table):
                cursor.execute(statement)
            cursor.execute(f"DROP TABLE IF EXISTS {self.table(table)}")
            for statement in self.table_statements(table):
                cursor.execute(statement)

    def _start_tracking(self, cursor: Any, name: str) -> None:
        cursor.execute(
            self.sql(
                f"INSERT INTO {self.tracking_table} (application_name, notification_id) VALUES (?, 0) "
                "ON CONFLICT (application_name) DO NOTHING"
            ),
            (name,),
        )

    def drop_tables(self, projection: Projection, suffix: str) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            # A write first: on SQLite a transaction that has only read (a DROP of no table) cannot take
            # the write lock once another process has written, and fails at once instead of waiting.
            self._delete_tracking(cursor, self.tracking(projection.name, suffix))
            for table in projection.tables:
                for statement in self.search_drop_statements(table, suffix):
                    cursor.execute(statement)
                cursor.execute(f"DROP TABLE IF EXISTS {self.table(table, suffix)}")

    def switch_to_rebuilt(self, projection: Projection) -> None:
        """The rebuilt tables and their tracking position take the live names, in one transaction."""
        live_tracking = self.tracking(projection.name)
        with self.datastore.transaction(commit=True) as cursor:
            for table in projection.tables:
                for statement in self.search_drop_statements(table):
                    cursor.execute(statement)
                cursor.execute(f"DROP TABLE IF EXISTS {self.table(table)}")
                bare_name = self.table(table).rsplit(".", 1)[-1]
                cursor.execute(f"ALTER TABLE {self.table(table, REBUILD_SUFFIX)} RENAME TO {bare_name}")
                for index in table.indexes:
                    for statement in self.index_swap_statements(table, index):
                        cursor.execute(statement)
                for statement in self.search_switch_statements(table):
                    cursor.execute(statement)
            self._delete_tracking(cursor, live_tracking)
            for version in range(1, projection.version):  # the read model was an older version's
                self._delete_tracking(cursor, tracking_name(projection.name, version))
            for name in projection.retired_tables:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table(Table(name))}")
            cursor.execute(
                self.sql(f"UPDATE {self.tracking_table} SET application_name = ? WHERE application_name = ?"),
                (live_tracking, self.tracking(projection.name, REBUILD_SUFFIX)),
            )

    def _delete_tracking(self, cursor: Any, name: str) -> None:
        cursor.execute(self.sql(f"DELETE FROM {self.tracking_table} WHERE application_name = ?"), (name,))

    @property
    @abstractmethod
    def tracking_table(self) -> str: ...

    # -- running one projector at a time (backend-specific) ----------------------------------------

    @abstractmethod
    def runner_lock(self) -> AbstractContextManager[RunnerLock]:
        """A lock that only one projector per database can hold; released if its process dies."""

    @abstractmethod
    def start_listening(self, wake: threading.Event, stop: threading.Event) -> threading.Thread | None:
        """Sets ``wake`` whenever another process appends events, where the database can tell."""

    # -- queries -----------------------------------------------------------------------------------

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(statement), tuple(params))
            return list(cursor.fetchall())

    def dump(self, projection: Projection, suffix: str = "") -> dict[str, list[tuple[str, Doc]]]:
        """Every row of a read model, sorted: for comparing a live read model with a rebuilt one."""
        return {
            table.name: [
                (row["key"], orjson.loads(row["doc"]))
                for row in self._rows(f"SELECT key, doc FROM {self.table(table, suffix)} ORDER BY key")
            ]
            for table in projection.tables
        }
