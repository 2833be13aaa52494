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


class Vault(Protocol):
    def put(self, name: str, secret: bytes) -> None: ...

    def get(self, name: str) -> bytes | None: ...

    def delete(self, names: Iterable[str]) -> None: ...


class MemoryVault:
    """For the in-memory store (tests, demos that keep nothing)."""

    def __init__(self) -> None:
        self._secrets: dict[str, bytes] = {}

    def put(self, name: str, secret: bytes) -> None:
        self._secrets[name] = secret

    def get(self, name: str) -> bytes | None:
        return self._secrets.get(name)

    def delete(self, names: Iterable[str]) -> None:
        for name in names:
            self._secrets.pop(name, None)


class SQLVault:
    """A table in the database that holds the events (SQLite or PostgreSQL), through the library's
    datastore: its connections, its transactions."""

    def __init__(self, datastore: Any, table: str, placeholder: str, blob_type: str) -> None:
        self._datastore = datastore
        self._table = table
        self._p = placeholder
        with datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (name TEXT PRIMARY KEY, secret {blob_type} NOT NULL)"
            )

    def put(self, name: str, secret: bytes) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"INSERT INTO {self._table} (name, secret) VALUES ({self._p}, {self._p}) "
                "ON CONFLICT (name) DO UPDATE SET secret = excluded.secret",
                (name, secret),
            )

    def get(self, name: str) -> bytes | None:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT secret FROM {self._table} WHERE name = {self._p}", (name,))
            row = cursor.fetchone()
        return None if row is None else bytes(row["secret"])

    def delete(self, names: Iterable[str]) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            for name in names:
                cursor.execute(f"DELETE FROM {self._table} WHERE name = {self._p}", (name,))


def vault_for(recorder: Recorder) -> Vault:
    """The vault in the same database as the recorder's events."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from eventsourcing.sqlite import SQLiteApplicationRecorder

    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLVault(recorder.datastore, TABLE, "?", "BLOB")
    if isinstance(recorder, PostgresApplicationRecorder):
        schema = recorder.datastore.schema
        return SQLVault(recorder.datastore, f'"{schema}"."{TABLE}"', "%s", "BYTEA")
    return MemoryVault()
