"""Every setting, read from the environment once, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.config import Config, environ

from newsroom.database import DEFAULT_DATABASE_URL


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None  # None: one process, in-process fan-out
    host: str = "127.0.0.1"
    port: int = 8000

    @classmethod
    def from_environ(cls) -> Settings:
        config = Config(environ=environ)
        return cls(
            database_url=config("NEWSROOM_DATABASE_URL", default=DEFAULT_DATABASE_URL),
            redis_url=config("NEWSROOM_REDIS_URL", default=None) or None,
            host=config("NEWSROOM_HOST", default="127.0.0.1"),
            port=config("NEWSROOM_PORT", cast=int, default=8000),
        )
