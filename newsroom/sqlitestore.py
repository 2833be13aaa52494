"""The SQLite event recorder: the library's, with the keys that seal events' text stored in the events' own
transaction (``newsroom.sealing``), so an event is never saved without the key to read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from newsroom.vault import TABLE as VAULT_TABLE
from newsroom.vault import sqlite_vault_statements


class SealingSQLiteRecorder(SQLiteApplicationRecorder):
    stores_secrets = True

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
        return positions
