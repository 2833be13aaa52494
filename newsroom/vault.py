"""Secrets kept beside the event log, never in it: what must not be published with the log, or must be
destroyed while the log stays as it was.

The log is public to auditors byte for byte (the audit export carries every record's exact bytes, so anyone
can recompute the Merkle tree), and nothing in it is ever deleted. So a staff token's hash is not in any
event: the event names the token by a random id, and the vault holds its hash. A vault entry is a name and
some bytes; deleting one is final.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from eventsourcing.persistence import Recorder

TABLE = "newsroom_vault"
BYTEWISE = ' COLLATE "C"'  # PostgreSQL: compare names byte by byte


class Vault(Protocol):
    def put(self, name: str, secret: bytes) -> None: ...

    def get(self, name: str) -> bytes | None: ...

    def put_once(self, name: str, secret: bytes) -> bytes:
        """Puts ``secret`` under ``name`` unless something is there already; what is there now."""

    def get_many(self, names: Iterable[str]) -> dict[str, bytes]:
        """The entries there are of these names."""

    def delete(self, names: Iterable[str]) -> None: ...

    def delete_prefix(self, prefix: str) -> int:
        """Deletes every entry whose name starts with ``prefix``; how many there were."""


class MemoryVault:
    """For the in-memory store (tests, demos that keep nothing)."""

    def __init__(self) -> None:
        self._secrets: dict[str, bytes] = {}

    def put(self, name: str, secret: bytes) -> None:
        self._secrets[name] = secret

    def get(self, name: str) -> bytes | None:
        return self._secrets.get(name)

    def put_once(self, name: str, secret: bytes) -> bytes:
        return self._secrets.setdefault(name, secret)

    def get_many(self, names: Iterable[str]) -> dict[str, bytes]:
        return {name: self._secrets[name] for name in names if name in self._secrets}

    def delete(self, names: Iterable[str]) -> None:
        for name in names:
            self._secrets.pop(name, None)

    def delete_prefix(self, prefix: str) -> int:
        names = [name for name in self._secrets if name.startswith(prefix)]
        self.delete(names)
        return len(names)


def create_statement(table: str, blob_type: str) -> str:
    return f"CREATE TABLE IF NOT EXISTS {table} (name TEXT PRIMARY KEY, secret {blob_type} NOT NULL)"


def index_statements(table: str, bytewise: str) -> list[str]:
    """On PostgreSQL, an index of the names in byte order, for prefix ranges whatever the collation (the
    primary key's follows the database's, where "seal/ab/12" may sort after "seal/ab0")."""
    if not bytewise:
        return []
    index = table.rsplit(".", 1)[-1].strip('"') + "_bytewise"
    return [f'CREATE INDEX IF NOT EXISTS "{index}" ON {table} (name{bytewise})']


def sqlite_vault_statements() -> list[str]:
    return [create_statement(TABLE, "BLOB")]


def postgres_vault_table(schema: str) -> str:
    return f'"{schema}"."{TABLE}"'


class SQLVault:
    """A table in the database that holds the events (SQLite or PostgreSQL), through the library's
    datastore: its connections, its transactions."""

    def __init__(
        self, datastore: Any, table: str, placeholder: str, blob_type: str, bytewise: str = ""
    ) -> None:
        self._datastore = datastore
        self._table = table
        self._p = placeholder
        self._bytewise = bytewise  # how names compare byte by byte: prefixes are ranges
        with datastore.transaction(commit=True) as cursor:
            cursor.execute(create_statement(table, blob_type))
            for statement in index_statements(table, bytewise):
                cursor.execute(statement)

    def put(self, name: str, secret: bytes) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"INSERT INTO {self._table} (name, secret) VALUES ({self._p}, {self._p}) "
                "ON CONFLICT (name) DO UPDATE SET secret = excluded.secret",
                (name, secret),
            )

    def put_once(self, name: str, secret: bytes) -> bytes:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"INSERT INTO {self._table} (name, secret) VALUES ({self._p}, {self._p}) "
                "ON CONFLICT (name) DO NOTHING",
                (name, secret),
            )
        stored = self.get(name)
        assert stored is not None
        return stored

    def get(self, name: str) -> bytes | None:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT secret FROM {self._table} WHERE name = {self._p}", (name,))
            row = cursor.fetchone()
        return None if row is None else bytes(row["secret"])

    def get_many(self, names: Iterable[str]) -> dict[str, bytes]:
        wanted = sorted(set(names))
        found: dict[str, bytes] = {}
        with self._datastore.transaction(commit=False) as cursor:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ", ".join([self._p] * len(chunk))
                cursor.execute(f"SELECT name, secret FROM {self._table} WHERE name IN ({marks})", chunk)
                found.update((row["name"], bytes(row["secret"])) for row in cursor.fetchall())
        return found

    def delete(self, names: Iterable[str]) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            for name in names:
                cursor.execute(f"DELETE FROM {self._table} WHERE name = {self._p}", (name,))

    def delete_prefix(self, prefix: str) -> int:
        """Deletes every entry whose name starts with ``prefix``; how many there were."""
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"DELETE FROM {self._table} WHERE name{self._bytewise} >= {self._p} "
                f"AND name{self._bytewise} < {self._p}",
                prefix_range(prefix),
            )
            return int(cursor.rowcount)


def prefix_range(prefix: str) -> tuple[str, str]:
    """The names that start with ``prefix`` are those from the first to (not including) the second, in
    byte order (a column compared with ``COLLATE "C"`` on PostgreSQL)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def vault_for(recorder: Recorder) -> Vault:
    """The vault in the same database as the recorder's events."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from eventsourcing.sqlite import SQLiteApplicationRecorder

    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLVault(recorder.datastore, TABLE, "?", "BLOB")
    if isinstance(recorder, PostgresApplicationRecorder):
        return SQLVault(
            recorder.datastore, postgres_vault_table(recorder.datastore.schema), "%s", "BYTEA", BYTEWISE
        )
    return MemoryVault()
