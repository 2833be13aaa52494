"""A read model's tables made, emptied when an older version kept them, and swapped for rebuilt ones: each
change in one transaction with the tracking row that says how far the tables are."""

from __future__ import annotations

from typing import Any

from projections.documents import Projection, Table
from projections.sql_schema import REBUILD_SUFFIX, SQLSchema, tracking_name


class RebuildSwap(SQLSchema):
    datastore: Any  # the library's datastore of the backend's tracking recorder

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
