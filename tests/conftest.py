from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsroom import Newsroom, Principal, Role
from newsroom.staff import OPERATOR
from tests.services import create_schema, postgres_database, postgres_url

STORES = ("memory", "sqlite", "postgres")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    with postgres_database() as name:
        yield name


def url_factory(store: str, request: pytest.FixtureRequest, directory: Path) -> Callable[[], str]:
    """Makes database URLs that each start empty: a new SQLite file, or a new schema in this run's
    PostgreSQL database (the same "memory:" URL gives a new store in each application)."""
    if store == "memory":
        return lambda: "memory:"
    if store == "sqlite":
        return lambda: f"sqlite:///{directory}/{uuid.uuid4().hex[:12]}.sqlite3"
    dbname = request.getfixturevalue("pg_database")
    return lambda: postgres_url(dbname, create_schema(dbname))


@pytest.fixture(params=STORES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against the in-memory store, SQLite and a real PostgreSQL (own schema per test)."""
    return url_factory(request.param, request, tmp_path)()


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against SQLite and a real PostgreSQL, where read models live."""
    return url_factory(request.param, request, tmp_path)()


@pytest.fixture
def app(database_url: str) -> Iterator[Newsroom]:
    newsroom = Newsroom.from_url(database_url)
    yield newsroom
    newsroom.close()


def add_staff(app: Newsroom, name: str, role: Role) -> tuple[Principal, str]:
    _, token = app.add_staff(name, role, by=OPERATOR)
    return app.authenticate(token), token


@pytest.fixture
def editor(app: Newsroom) -> Principal:
    return add_staff(app, "eddie", Role.EDITOR)[0]


@pytest.fixture
def moderator(app: Newsroom) -> Principal:
    return add_staff(app, "mo", Role.MODERATOR)[0]


@pytest.fixture
def published(app: Newsroom, editor: Principal) -> str:
    """The slug of a published article."""
    app.draft_article(
        slug="harbour-fire",
        headline="Fire at the old harbour warehouse",
        body="Smoke rose over the harbour on Monday evening.",
        byline_name="Sam Reed",
        byline_bio="Sam Reed reports on the harbour district.",
        tags=["harbour"],
        by=editor,
    )
    app.publish("harbour-fire", by=editor)
    return "harbour-fire"
