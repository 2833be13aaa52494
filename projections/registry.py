"""Every read model by name, and the store that suits an application's database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, cast

from newsroom.startup import retry_catalog_races
from projections.article_page import ArticlePageProjection
from projections.audit_tree import AuditTreeProjection
from projections.documents import Projection
from projections.front_page import FrontPageProjection
from projections.moderation import ModerationProjection

if TYPE_CHECKING:
    from newsroom import Newsroom
    from projections.sqlstore import SQLReadModels

# Heaviest to rebuild first: `newsroom rebuild` gives the first ones a process each (projections/rebuild.py).
ALL_PROJECTIONS: Final[tuple[Projection, ...]] = (
    ArticlePageProjection(),
    FrontPageProjection(),
    ModerationProjection(),
    AuditTreeProjection(),
)
BY_NAME: Final = {projection.name: projection for projection in ALL_PROJECTIONS}


class UnsupportedStoreError(Exception):
    pass


def open_read_models(app: Newsroom) -> SQLReadModels:
    """The read-model store in the same database as the application's events."""
    from eventsourcing.postgres import PostgresFactory
    from eventsourcing.sqlite import SQLiteFactory

    if isinstance(app.factory, SQLiteFactory):
        from projections.sqlite import SQLiteReadModels

        store = cast("SQLReadModels", app.factory.tracking_recorder(SQLiteReadModels))
        store.start_tracking()
        return store
    if isinstance(app.factory, PostgresFactory):
        from projections.postgres import PostgresReadModels

        # Several web workers may start together on a new database: see newsroom.startup.
        store = retry_catalog_races(
            lambda: cast("SQLReadModels", app.factory.tracking_recorder(PostgresReadModels))
        )
        store.start_tracking()
        return store
    raise UnsupportedStoreError("read models need SQLite or PostgreSQL (memory: keeps none)")
