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
    return positions_of(recorder, originator_id, after_version=version - 1, up_to_version=version).get(
        version
    )


def positions_of(
    recorder: ApplicationRecorder,
    originator_id: UUID,
    *,
    after_version: int = 0,
    up_to_version: int | None = None,
) -> dict[int, int]:
    """Version -> global position for a range of one aggregate's events."""
    upper = up_to_version if up_to_version is not None else 2**62
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT originator_version, rowid FROM {recorder.events_table_name} "  # noqa: S608
                "WHERE originator_id = ? AND originator_version > ? AND originator_version <= ?",
                (originator_id.hex, after_version, upper),
            )
            return {int(row[0]): int(row[1]) for row in cursor.fetchall()}
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT originator_version, notification_id FROM {}.{} "
            "WHERE originator_id = %s AND originator_version > %s AND originator_version <= %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (originator_id, after_version, upper))
            return {int(r["originator_version"]): int(r["notification_id"]) for r in cursor.fetchall()}
    if not isinstance(recorder, POPOApplicationRecorder):
        raise TypeError(f"no position lookup for {type(recorder).__name__}")
    # The in-memory store is for tests and demos: a scan is fine there.
    found = {}
    for notification in recorder.select_notifications(start=None, limit=2**62):
        version = notification.originator_version
        if notification.originator_id == originator_id and after_version < version <= upper:
            found[version] = notification.id
    return found
