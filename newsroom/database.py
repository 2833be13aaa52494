"""``NEWSROOM_DATABASE_URL`` to the settings eventsourcing reads.

``sqlite:///relative/path``, ``sqlite:////absolute/path``, ``postgresql://user:pass@host:port/db?schema=s``,
or ``memory:`` (the library's in-process store, for tests and demos that keep nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from newsroom.errors import ValidationError

DEFAULT_DATABASE_URL = "sqlite:///var/newsroom.sqlite3"


def shared_between_processes(url: str) -> bool:
    """Whether another process opening ``url`` sees the same store (not so for in-memory ones)."""
    env = persistence_env(url)
    return env["PERSISTENCE_MODULE"] != "eventsourcing.popo" and env.get("SQLITE_DBNAME") != ":memory:"


def store_exists(url: str) -> bool:
    """Whether the store at ``url`` has been made (its events table exists); opening one makes it."""
    env = persistence_env(url)
    module = env["PERSISTENCE_MODULE"]
    if module == "eventsourcing.popo":
        return True  # each process has a store of its own
    if module == "eventsourcing.sqlite":
        path = Path(env["SQLITE_DBNAME"])
        return env["SQLITE_DBNAME"] == ":memory:" or (path.is_file() and path.stat().st_size > 0)
    import psycopg

    try:
        with _connect(env) as conn:
            schema = env.get("POSTGRES_SCHEMA", "public")
            row = conn.execute("SELECT to_regclass(%s)", (f'"{schema}".newsroom_events',)).fetchone()
    except psycopg.OperationalError as error:
        if "does not exist" in str(error):  # the database itself
            return False
        raise
    return row is not None and row[0] is not None


def _connect(env: dict[str, str], timeout: int | None = None) -> Any:
    import psycopg

    return psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        dbname=env["POSTGRES_DBNAME"],
        connect_timeout=timeout or int(env["POSTGRES_CONNECT_TIMEOUT"]) or 1,
    )


def server_probe(url: str) -> Callable[[], None] | None:
    """For a store on a server (PostgreSQL): a check that it answers now, on a connection of its own
    (not the pool's, which may be stuck), raising OperationalError when it does not. None for a store
    in a file or in memory, which cannot be down while the process is up."""
    env = persistence_env(url)
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        return None

    def probe() -> None:
        with _connect(env, timeout=1) as conn:
            conn.execute("SELECT 1")

    return probe


def describe(url: str) -> str:
    """The URL as it may be shown: without its password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def persistence_env(url: str) -> dict[str, str]:
    if url in ("memory:", "memory://"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if not url.startswith("sqlite:///") or parts.netloc:
            raise ValidationError(
                "NEWSROOM_DATABASE_URL",
                "a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path",
            )
        path = unquote(parts.path)
        # sqlite:///var/x -> "var/x" (relative); sqlite:////tmp/x -> "/tmp/x" (absolute).
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ValidationError("NEWSROOM_DATABASE_URL", "sqlite URL needs a file path")
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            # Seconds a write waits for another process's to end. A rebuild's index build can hold the
            # lock longer; rebuilds then wait on (projections/rebuild.py), requests answer 503.
            "SQLITE_LOCK_TIMEOUT": _whole_number(parse_qs(parts.query), "lock_timeout", 10),
            # Stores the keys that seal events' text in the events' own transaction.
            "APPLICATION_RECORDER_TOPIC": "newsroom.sqlitestore:SealingSQLiteRecorder",
        }
    if parts.scheme in ("postgres", "postgresql"):
        query = parse_qs(parts.query)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "newsroom",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": _whole_number(query, "connect_timeout", 1),
            "POSTGRES_POOL_SIZE": _whole_number(query, "pool_size", 5),
            "POSTGRES_MAX_OVERFLOW": _whole_number(query, "max_overflow", 10),
            "POSTGRES_LOCK_TIMEOUT": _whole_number(query, "lock_timeout", 5),
            # Saves in one statement that keeps the library's table lock (newsroom/pgstore.py).
            "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
            "APPLICATION_RECORDER_TOPIC": "newsroom.pgstore:OrderedInsertRecorder",
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        return env
    raise ValidationError(
        "NEWSROOM_DATABASE_URL",
        "must start with sqlite:///, postgresql:// or be memory:",
    )


def _whole_number(query: dict[str, list[str]], name: str, default: int) -> str:
    """A URL option that must be a whole number, checked here so a typo fails at start, clearly."""
    value = query.get(name, [str(default)])[0]
    if not value.isdigit():
        raise ValidationError("NEWSROOM_DATABASE_URL", f"{name} must be a whole number, got {value!r}")
    return value


def prepare(url: str) -> dict[str, str]:
    """The settings for the library, with what opening the store needs made first (a SQLite file's
    folder)."""
    env = persistence_env(url)
    path = env.get("SQLITE_DBNAME")
    if path is not None and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return env
