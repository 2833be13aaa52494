"""Every read model by name, and the store that suits an application's database, with every read model's
queries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

from newsroom.startup import retry_catalog_races
from projections.article_page import ArticlePageProjection
from projections.article_page_queries import ArticlePageQueries
from projections.audit_tree import AuditTreeProjection
from projections.audit_tree_queries import AuditTreeQueries
from projections.documents import Projection
from projections.front_page import FrontPageProjection
from projections.front_page_queries import FrontPageQueries
from projections.moderation import ModerationProjection
from projections.moderation_queries import ModerationQueries
from projections.search import SearchProjection
from projections.search_queries import SearchQueries

if TYPE_CHECKING:
    from newsroom import Newsroom

# Heaviest to rebuild first: `newsroom rebuild` gives the first ones a process each (projections/rebuild.py).
ALL_PROJECTIONS: Final[tuple[Projection, ...]] = (
    ArticlePageProjection(),
    FrontPageProjection(),
    ModerationProjection(),
    SearchProjection(),
    AuditTreeProjection(),
)
BY_NAME: Final = {projection.name: projection for projection in ALL_PROJECTIONS}


class ReadModels(ArticlePageQueries, FrontPageQueries, ModerationQueries, SearchQueries, AuditTreeQueries):
    """Every read model's queries over one store: what the web app and the command line read."""


class UnsupportedStoreError(Exception):
    pass


def open_read_models(app: Newsroom) -> ReadModels:
    """The read-model store in the same database as the application's events."""
    from eventsourcing.postgres import PostgresFactory
    from eventsourcing.sqlite import SQLiteFactory

    if isinstance(app.factory, SQLiteFactory):
        store = cast("ReadModels", app.factory.tracking_recorder(cast("Any", _sqlite())))
        store.start_tracking()
        return store
    if isinstance(app.factory, PostgresFactory):
        postgres = _postgres()
        # Several web workers may start together on a new database: see newsroom.startup.
        store = retry_catalog_races(
            lambda: cast("ReadModels", app.factory.tracking_recorder(cast("Any", postgres)))
        )
        store.start_tracking()
        return store
    raise UnsupportedStoreError("read models need SQLite or PostgreSQL (memory: keeps none)")


def _sqlite() -> type[ReadModels]:
    from projections.sqlite import SQLiteReadModels

    class SQLiteStore(SQLiteReadModels, ReadModels):
        def __init__(self, datastore: Any, **kwargs: Any) -> None:
            super().__init__(datastore, ALL_PROJECTIONS, **kwargs)

    return SQLiteStore


def _postgres() -> type[ReadModels]:
    from projections.postgres import PostgresReadModels

    class PostgresStore(PostgresReadModels, ReadModels):
        def __init__(self, datastore: Any, **kwargs: Any) -> None:
            super().__init__(datastore, ALL_PROJECTIONS, **kwargs)

    return PostgresStore
