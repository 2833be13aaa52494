"""What the read models' SQL tables are called and how they are made: the statements both backends share.

A backend (``projections.sqlite``, ``projections.postgres``) supplies the dialect: placeholder, column types,
table naming, and how a rebuilt table's indexes take the live names. Nothing here runs a statement.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from projections.documents import Projection, Table

REBUILD_SUFFIX = "__rebuild"
PREFETCH_KEYS = 400  # documents read per statement (SQLite allows 32,766 parameters, PostgreSQL 65,535)
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


class SQLSchema:
    """The names and statements of the read models' tables, in a backend's dialect."""

    placeholder: ClassVar[str] = "?"
    types: ClassVar[dict[str, str]] = {}
    blob_type: ClassVar[str] = "BLOB"

    def __init__(self, projections: Sequence[Projection]) -> None:
        self.projections = tuple(projections)
        self._versions = {projection.name: projection.version for projection in self.projections}
        self._upserts: dict[tuple[str, str], str] = {}

    @abstractmethod
    def table(self, table: Table, suffix: str = "") -> str:
        """The quoted, qualified name of a table."""

    @abstractmethod
    def index_swap_statements(self, table: Table, columns: tuple[str, ...]) -> list[str]:
        """After a rebuilt table takes the live name: statements that give its index the live name."""

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

    def tracking(self, projection: str, suffix: str = "") -> str:
        """The name of a read model's tracking row, at the version this code keeps."""
        return tracking_name(projection, self._versions.get(projection, 1), suffix)

    @property
    @abstractmethod
    def tracking_table(self) -> str: ...
