"""The SQLite event recorder: the library's, with the keys that seal events' text stored in the events' own
transaction (``newsroom.sealing``), so an event is never saved without the key to read it, and the keys an
erasure destroys deleted in the transaction of the event that records it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteConnection, SQLiteCursor, SQLiteDatastore

from newsroom.vault import TABLE as VAULT_TABLE
from newsroom.vault import prefix_range, sqlite_vault_statements


class SealingSQLiteRecorder(SQLiteApplicationRecorder):
    stores_secrets = True

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        zero_freed_content(datastore)
        super().__init__(datastore, **kwargs)

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as cursor:
            for statement in sqlite_vault_statements():
                cursor.execute(statement)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        secrets: Sequence[tuple[str, bytes]] = kwargs.get("secrets") or ()
        if secrets:
            c.executemany(f"INSERT INTO {VAULT_TABLE} (name, secret) VALUES (?, ?)", secrets)
        shredded: Sequence[str] = kwargs.get("shred") or ()
        if shredded:
            c.executemany(
                f"DELETE FROM {VAULT_TABLE} WHERE name >= ? AND name < ?", [prefix_range(p) for p in shredded]
            )
        return positions


def zero_freed_content(datastore: SQLiteDatastore) -> None:
    """Every connection of the store overwrites what it deletes or rewrites with zeros (``secure_delete``):
    the words of an erased update, a read model's older copy of a comment, the key an erasure destroys
    leave nothing in the file's free pages. (A per-connection setting; the pool makes connections as it
    needs them, so its maker is wrapped: the library has no hook for this.)"""
    pool = datastore.pool
    if getattr(pool, "zeroes_freed_content", False):
        return
    make = pool._create_connection

    def make_zeroing() -> SQLiteConnection:
        connection = make()
        cursor = connection.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        return connection

    pool._create_connection = make_zeroing  # type: ignore[method-assign]
    pool.zeroes_freed_content = True  # type: ignore[attr-defined]
