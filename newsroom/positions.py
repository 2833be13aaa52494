"""The global position of an already-stored event, by its aggregate id and version.

The library's recorders answer "events of an aggregate" and "notifications after a position", but not
this; a retried request needs it to answer with the position its first attempt got. Both SQL stores keep
the position beside the (originator_id, originator_version) primary key, so it is one indexed read.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier


def position_of(recorder: ApplicationRecorder, originator_id: UUID, version: int) -> int | None:
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT rowid FROM {recorder.events_table_name} "  # noqa: S608 - the library's table name
                "WHERE originator_id = ? AND originator_version = ?",
                (originator_id.hex, version),
            )
            row = cursor.fetchone()
            return int(row[0]) if row else None
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT notification_id FROM {}.{} WHERE originator_id = %s AND originator_version = %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (originator_id, version))
            found = cursor.fetchone()
            return int(found["notification_id"]) if found else None
    if isinstance(recorder, POPOApplicationRecorder):
        # The in-memory store is for tests and demos: a scan is fine there.
        for notification in recorder.select_notifications(start=None, limit=2**62):
            if notification.originator_id == originator_id and notification.originator_version == version:
                return notification.id
        return None
    raise TypeError(f"no position lookup for {type(recorder).__name__}")
