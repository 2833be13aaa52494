"""The global position of an already-stored event, by its aggregate id and version.

The library's recorders answer "events of an aggregate" and "notifications after a position", but not
this; a retried request needs it to answer with the position its first attempt got, and an as-of page
needs each event's position beside its stored state. Both SQL stores keep the position beside the
(originator_id, originator_version) primary key, so either is one indexed read.
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
    rows = _stored(recorder, originator_id, after_version, up_to_version, with_state=False)
    return {version: position for position, version, _, _ in rows}


# (position, version, topic, state as stored)
StoredAt = tuple[int, int, str, bytes]


def stored_with_positions(
    recorder: ApplicationRecorder,
    originator_id: UUID,
    *,
    after_version: int = 0,
    up_to_version: int | None = None,
) -> list[StoredAt]:
    """A range of one aggregate's stored events with their global positions, in version order."""
    return _stored(recorder, originator_id, after_version, up_to_version, with_state=True)


def _stored(
    recorder: ApplicationRecorder,
    originator_id: UUID,
    after_version: int,
    up_to_version: int | None,
    *,
    with_state: bool,
) -> list[StoredAt]:
    upper = up_to_version if up_to_version is not None else 2**62
    extra = ", topic, state" if with_state else ""
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT rowid, originator_version{extra} FROM {recorder.events_table_name} "  # noqa: S608
                "WHERE originator_id = ? AND originator_version > ? AND originator_version <= ? "
                "ORDER BY originator_version",
                (originator_id.hex, after_version, upper),
            )
            rows = [tuple(row) for row in cursor.fetchall()]
    elif isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT notification_id, originator_version{} FROM {}.{} "
            "WHERE originator_id = %s AND originator_version > %s AND originator_version <= %s "
            "ORDER BY originator_version"
        ).format(SQL(extra), Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (originator_id, after_version, upper))
            rows = [tuple(row.values()) for row in cursor.fetchall()]
    elif isinstance(recorder, POPOApplicationRecorder):
        # The in-memory store is for tests and demos: a scan is fine there.
        rows = [
            (n.id, n.originator_version, n.topic, n.state)
            for n in recorder.select_notifications(start=None, limit=2**62)
            if n.originator_id == originator_id and after_version < n.originator_version <= upper
        ]
    else:
        raise TypeError(f"no position lookup for {type(recorder).__name__}")
    if not with_state:
        return [(int(row[0]), int(row[1]), "", b"") for row in rows]
    return [(int(row[0]), int(row[1]), str(row[2]), bytes(row[3])) for row in rows]
