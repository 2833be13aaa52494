"""Read models in the PostgreSQL database (and schema) that holds the events."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar

import psycopg
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from newsroom.vault import postgres_vault_table
from projections.documents import Projection, Table
from projections.search import TEXT_SEARCH
from projections.sql_schema import REBUILD_SUFFIX, row_names, update_on_conflict
from projections.sqlstore import SQLReadModels

TRACKING_TABLE = "newsroom_tracking"
# The library NOTIFYs on a channel named after the events table (its schema is not part of the name).
EVENTS_CHANNEL = "newsroom_events"
COPY_TYPES = {"text": "text", "int": "int8", "bool": "bool"}
COPY_FROM_ROWS = 400  # below this many rows, one upsert from arrays (a small batch's rows stay below it)


def row_types(table: Table) -> list[str]:
    """The PostgreSQL types of ``row_names(table)``, as COPY and array parameters name them."""
    return ["text", "bytea", *(COPY_TYPES[column.kind] for column in table.columns)]


class ScrubRefusedError(Exception):
    """The server would keep copies of erased text in its data directory whatever a scrub does."""


def scrub_blockers(connection: Any) -> list[str]:
    """What would keep old WAL segments, and the erased rows and keys they hold, under the data
    directory: each as what the operator must change. Empty: a scrub leaves none. (Rows as dicts.)"""

    def one(query: str) -> Any:
        return connection.execute(f"SELECT {query} AS value").fetchone()["value"]

    found = []
    if one("current_setting('wal_recycle')") == "on":
        found.append(
            "wal_recycle is on: old WAL segments are renamed for reuse with their contents, not removed; "
            "set wal_recycle = off (ALTER SYSTEM SET wal_recycle = off; SELECT pg_reload_conf())"
        )
    if one("current_setting('wal_keep_size')") not in ("0", "0MB", "0kB"):
        found.append("wal_keep_size is not 0: that much old WAL is kept; set wal_keep_size = 0")
    if one("(SELECT count(*) FROM pg_replication_slots)"):
        found.append("a replication slot holds old WAL: let its standby catch up, or drop the slot")
    if not one(
        "(SELECT rolsuper OR pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') FROM pg_roles "
        "WHERE rolname = current_user)"
    ):
        found.append(
            "CHECKPOINT needs a superuser or the pg_checkpoint role (and EXECUTE on pg_switch_wal())"
        )
    return found


class PostgresReadModels(SQLReadModels, PostgresTrackingRecorder):
    placeholder: ClassVar[str] = "%s"
    types: ClassVar[dict[str, str]] = {"text": "TEXT", "int": "BIGINT", "bool": "BOOLEAN"}
    full_text: ClassVar[str] = "tsvector"
    blob_type: ClassVar[str] = "BYTEA"

    def __init__(
        self, datastore: PostgresDatastore, projections: Sequence[Projection], **kwargs: Any
    ) -> None:
        # The factory names the tracking table after the application ("newsroom_tracking").
        kwargs.setdefault("tracking_table_name", TRACKING_TABLE)
        PostgresTrackingRecorder.__init__(self, datastore, **kwargs)
        SQLReadModels.__init__(self, projections)
        for projection in self.projections:
            for table in projection.tables:
                self.sql_create_statements.extend(SQL(s).format() for s in self.table_statements(table))

    def documents_select(self, table: Table, suffix: str, keys: list[str]) -> tuple[str, list[Any]]:
        # One array parameter, whatever the number of keys: the statement's text stays the same, so psycopg
        # prepares it once instead of parsing thousands of placeholders each batch.
        return f"SELECT ?::text AS name, key, doc FROM {self.table(table, suffix)} WHERE key = ANY(?)", [
            table.name,
            keys,
        ]

    def upsert_rows(self, cursor: Any, table: Table, suffix: str, rows: list[tuple[Any, ...]]) -> None:
        if len(rows) < COPY_FROM_ROWS:
            # A live batch of a few rows: one statement, its rows passed as one array a column, beats the
            # four of the staging path and a statement a row (each costs the server a parse-bind-execute).
            cursor.execute(
                self._array_upsert(table, suffix), [list(column) for column in zip(*rows, strict=True)]
            )
            return
        target = self.table(table, suffix)
        names, types = row_names(table), row_types(table)
        if table.append_only:
            # Rows written once (each event is applied once): straight in, no upsert needed.
            self._copy(cursor, target, names, types, rows)
            return
        # COPY into a session-local staging table, then one upsert: about 3x the rows/s of an unnest()
        # upsert and many times psycopg's executemany, which cost more than the projection itself.
        staging = f'"stage_{table.name}{suffix}"'
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {target}) ON COMMIT DELETE ROWS")
        self._copy(cursor, staging, names, types, rows)
        listed = ", ".join(names)
        cursor.execute(
            f"INSERT INTO {target} ({listed}) SELECT {listed} FROM {staging} {update_on_conflict(names)}"
        )
        cursor.execute(f"TRUNCATE {staging}")

    def _array_upsert(self, table: Table, suffix: str) -> str:
        cache_key = (table.name, f"{suffix}/arrays")
        if cache_key not in self._upserts:
            names = row_names(table)
            # Sent in binary: the driver encodes text-format arrays in Python, escaping every byte of
            # every document (a third of the projector's time under steady writes).
            arrays = ", ".join(f"%b::{kind}[]" for kind in row_types(table))
            statement = (
                f"INSERT INTO {self.table(table, suffix)} ({', '.join(names)}) SELECT * FROM unnest({arrays})"
            )
            if not table.append_only:
                statement += f" {update_on_conflict(names)}"
            self._upserts[cache_key] = statement
        return self._upserts[cache_key]

    @staticmethod
    def _copy(
        cursor: Any, into: str, names: list[str], types: list[str], rows: list[tuple[Any, ...]]
    ) -> None:
        with cursor.copy(f"COPY {into} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def delete_rows(self, cursor: Any, table: Table, suffix: str, keys: list[str]) -> None:
        cursor.execute(f"DELETE FROM {self.table(table, suffix)} WHERE key = ANY(%s)", (keys,))

    def opening(
        self, cursor: Any, queries: list[tuple[str, Sequence[Any]]], *, snapshot: bool = False
    ) -> list[list[Any]]:
        # One round trip: the statements go out in a pipeline, each on a cursor of its own so that every
        # answer can be read afterwards.
        with cursor.connection.pipeline():
            if snapshot:  # read committed would let each statement see what committed since the last
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # A read model is derived data: if the server crashed before this commit reached disk, the
            # view rows and the tracking position would be lost together and simply applied again (readers
            # drop repeated positions). So no need to wait for the flush: every reader waits less.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursors = [cursor.connection.cursor() for _ in queries]
            for each, (statement, params) in zip(cursors, queries, strict=True):
                each.execute(statement, params)
            return [list(each.fetchall()) for each in cursors]

    def pipelined(self, cursor: Any, *, small: bool) -> AbstractContextManager[object]:
        # Pipeline mode: a live batch's upserts and tracking row go out together, one sync at the end
        # (COPY, used for big batches, cannot run in a pipeline).
        return cursor.connection.pipeline() if small else contextlib.nullcontext()

    def plain_rows(self, cursor: Any, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        cursor.row_factory = tuple_row
        cursor.execute(statement, params, binary=True)  # bytea as bytes, not hex text
        return list(cursor.fetchall())

    def table(self, table: Table, suffix: str = "") -> str:
        return f'"{self.datastore.schema}"."{table.name}{suffix}"'

    @property
    def tracking_table(self) -> str:
        return f'"{self.datastore.schema}"."{self.tracking_table_name}"'

    def rewrite_files(self) -> list[str]:
        """``VACUUM FULL`` of every read-model table and the vault: each is written anew, so the old files,
        whose dead rows still hold the words of what was erased (and the keys that opened them), are
        gone. Then the write-ahead log is moved on to a new segment and checkpointed, twice, so that every
        segment written before (they held those rows and keys as they were written) is no longer needed
        and is removed. It refuses, before doing anything, when the server would keep old segments in its
        data directory anyway (``scrub_blockers``). (It locks each table while it rewrites it: run it at a
        quiet moment.) Archived WAL and backups keep what they hold until they expire: docs/erasure.md."""
        tables = [self.table(table) for projection in self.projections for table in projection.tables]
        tables.append(postgres_vault_table(self.datastore.schema))
        with self.datastore.get_connection() as connection:
            blockers = scrub_blockers(connection)
            if blockers:
                raise ScrubRefusedError("; ".join(blockers))
            for table in tables:
                connection.execute(f"VACUUM (FULL, ANALYZE) {table}")
            # The planner's statistics keep sample values of text columns (names, words): their old rows too.
            with contextlib.suppress(psycopg.errors.InsufficientPrivilege):  # the database's owner may
                connection.execute("VACUUM FULL pg_catalog.pg_statistic")
            for _ in range(2):  # the first checkpoint's own record is in the segment the second retires
                connection.execute("SELECT pg_switch_wal()")
                connection.execute("CHECKPOINT")
        return tables

    def index_rebuilt(self, projection: Projection) -> None:
        """Indexes, then the planner's statistics: a table that went live unanalysed is read whole by
        queries an index would answer (a common word's every match, until autovacuum gets to it)."""
        super().index_rebuilt(projection)
        for table in projection.tables:
            with self.datastore.transaction(commit=True) as cursor:
                cursor.execute(f"ANALYZE {self.table(table, REBUILD_SUFFIX)}")

    # Full-text search: a stored tsvector made from the searched column (English stemming), and a GIN index.
    def search_column(self, table: Table) -> str:
        if table.search is None:
            return ""
        return (
            f", search_vector tsvector GENERATED ALWAYS AS (to_tsvector('{TEXT_SEARCH}', "
            f"coalesce({table.search}, ''))) STORED"
        )

    def search_index_statements(self, table: Table, suffix: str) -> list[str]:
        if table.search is None:
            return []
        return [
            f"CREATE INDEX IF NOT EXISTS {table.name}_search_idx{suffix} ON {self.table(table, suffix)} "
            "USING GIN (search_vector)"
        ]

    def search_switch_statements(self, table: Table) -> list[str]:
        if table.search is None:
            return []
        rebuilt = f'"{self.datastore.schema}"."{table.name}_search_idx{REBUILD_SUFFIX}"'
        return [f"ALTER INDEX {rebuilt} RENAME TO {table.name}_search_idx"]

    def index_swap_statements(self, table: Table, columns: tuple[str, ...]) -> list[str]:
        rebuilt = self.index_name(table, columns, REBUILD_SUFFIX)
        return [
            f'ALTER INDEX "{self.datastore.schema}"."{rebuilt}" RENAME TO {self.index_name(table, columns)}'
        ]

    # -- running one projector at a time -----------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        params = {key: value for key, value in self.datastore.pool.kwargs.items() if key != "row_factory"}
        return psycopg.connect(**params, autocommit=True, connect_timeout=5)

    @contextmanager
    def runner_lock(self) -> Iterator[AdvisoryLock]:
        """A session advisory lock: PostgreSQL releases it when the projector's connection drops."""
        lock = AdvisoryLock(self._connect, f"newsroom-projector/{self.datastore.schema}")
        try:
            yield lock
        finally:
            lock.release()

    def start_listening(self, wake: threading.Event, stop: threading.Event) -> threading.Thread | None:
        """Wakes the projector on every NOTIFY the event store sends after an insert."""
        channel = EVENTS_CHANNEL

        def listen() -> None:
            while not stop.is_set():
                try:
                    with self._connect() as conn:
                        conn.execute(SQL("LISTEN {}").format(Identifier(channel)))
                        wake.set()  # anything missed while (re)connecting is picked up now
                        while not stop.is_set():
                            for _ in conn.notifies(timeout=1.0, stop_after=1):
                                wake.set()
                except psycopg.Error:
                    stop.wait(1.0)

        thread = threading.Thread(target=listen, name="projector-listen", daemon=True)
        thread.start()
        return thread


class AdvisoryLock:
    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], name: str) -> None:
        self._connect = connect
        self._name = name
        self._conn: psycopg.Connection[Any] | None = None

    def acquire(self, *, blocking: bool) -> bool:
        conn = self._connect()
        function = "pg_advisory_lock" if blocking else "pg_try_advisory_lock"
        row = conn.execute(
            SQL("SELECT {}(hashtext(%s))").format(Identifier(function)), (self._name,)
        ).fetchone()
        if blocking or (row is not None and row[0]):
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
