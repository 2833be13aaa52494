"""Read models in the SQLite file that holds the events (the embedded default)."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, ClassVar

from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from projections.documents import Projection, Table
from projections.sql_schema import REBUILD_SUFFIX
from projections.sqlstore import SQLReadModels


class SQLiteReadModels(SQLReadModels, SQLiteTrackingRecorder):
    placeholder: ClassVar[str] = "?"
    types: ClassVar[dict[str, str]] = {"text": "TEXT", "int": "INTEGER", "bool": "INTEGER"}
    blob_type: ClassVar[str] = "BLOB"
    applies_before_writing: ClassVar[bool] = True

    def __init__(self, datastore: SQLiteDatastore, projections: Sequence[Projection], **kwargs: Any) -> None:
        # The library's constructor asks for the create statements, which need the projections.
        SQLReadModels.__init__(self, projections)
        SQLiteTrackingRecorder.__init__(self, datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        for projection in self.projections:
            for table in projection.tables:
                statements.extend(self.table_statements(table))
        return statements

    def plain_rows(self, cursor: Any, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        cursor.sqlite_cursor.row_factory = None  # the library wraps a new sqlite3 cursor per transaction
        cursor.execute(statement, params)
        return list(cursor.fetchall())

    def table(self, table: Table, suffix: str = "") -> str:
        return f'"{table.name}{suffix}"'

    @property
    def tracking_table(self) -> str:
        return "tracking"

    def index_rebuilt(self, projection: Projection) -> None:
        """Nothing: SQLite cannot rename an index, so the switch indexes the tables under their live names
        (building them here too would build every index twice)."""

    # Full-text search: an FTS5 table over the searched column, its content kept in the table itself
    # (external content), kept in step by triggers; stemmed (porter), accents folded.
    def search_table_statements(self, table: Table, suffix: str) -> list[str]:
        if table.search is None:
            return []
        name, fts, column = f"{table.name}{suffix}", f"{table.name}{suffix}_fts", table.search
        add = f'INSERT INTO "{fts}"(rowid, {column}) VALUES (new.rowid, new.{column});'
        remove = (
            f'INSERT INTO "{fts}"("{fts}", rowid, {column}) VALUES (\'delete\', old.rowid, old.{column});'
        )
        return [
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5({column}, content="{name}", '
            "content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2')",
            f'CREATE TRIGGER IF NOT EXISTS "{name}_ai" AFTER INSERT ON "{name}" BEGIN {add} END',
            f'CREATE TRIGGER IF NOT EXISTS "{name}_ad" AFTER DELETE ON "{name}" BEGIN {remove} END',
            f'CREATE TRIGGER IF NOT EXISTS "{name}_au" AFTER UPDATE ON "{name}" BEGIN {remove} {add} END',
        ]

    def search_drop_statements(self, table: Table, suffix: str = "") -> list[str]:
        if table.search is None:
            return []
        name = f"{table.name}{suffix}"
        return [f'DROP TRIGGER IF EXISTS "{name}_{when}"' for when in ("ai", "ad", "au")] + [
            f'DROP TABLE IF EXISTS "{name}_fts"'
        ]

    def search_switch_statements(self, table: Table) -> list[str]:
        # The rebuilt table's index names the rebuilt table: made again under the live names, from the rows.
        if table.search is None:
            return []
        fts = f"{table.name}_fts"
        return [
            *self.search_drop_statements(table, REBUILD_SUFFIX),
            *self.search_table_statements(table, ""),
            f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')',
        ]

    def index_swap_statements(self, table: Table, columns: tuple[str, ...]) -> list[str]:
        return [
            f"DROP INDEX IF EXISTS {self.index_name(table, columns, REBUILD_SUFFIX)}",
            f"CREATE INDEX IF NOT EXISTS {self.index_name(table, columns)} "
            f"ON {self.table(table)} ({', '.join(columns)})",
        ]

    # -- after an erasure ---------------------------------------------------------------------------

    def scrub(self) -> bool:
        """Leaves no copy of erased text in the database's files: the full-text indexes merged into one
        segment (FTS5 keeps a deleted document's words in its older segments until a merge), then the
        write-ahead log checkpointed and truncated to nothing (it held the pages as they were written).
        Freed pages were zeroed as they were freed (``newsroom.sqlitestore.zero_freed_content``). False
        while a reader still needs the log: the projector tries again on its next round."""
        with self.datastore.transaction(commit=True) as cursor:
            for projection in self.projections:
                for table in projection.tables:
                    if table.search is not None:
                        fts = f"{table.name}_fts"
                        cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'optimize\')')
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = cursor.fetchone()[0]
        return not busy

    def rewrite_files(self) -> list[str]:
        """The whole file rewritten (``VACUUM``) and the write-ahead log emptied: for a store written before
        it zeroed what it freed, which may hold old copies of erased text in its free pages."""
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return [str(self.datastore.pool.db_name)]

    # -- running one projector at a time -----------------------------------------------------------

    @contextmanager
    def runner_lock(self) -> Iterator[FileLock]:
        """A lock file beside the database: the OS releases it if the projector dies."""
        lock = FileLock(Path(f"{self.datastore.pool.db_name}.projector.lock"))
        try:
            yield lock
        finally:
            lock.release()

    def start_listening(self, wake: threading.Event, stop: threading.Event) -> threading.Thread | None:
        return None  # SQLite has no notifications: saves in this process and the poll wake the projector


class FileLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle: IO[str] | None = None

    def acquire(self, *, blocking: bool) -> bool:
        handle = self._path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
