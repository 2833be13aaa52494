"""Every setting, read from the environment once, in one place, and checked with a clear message."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.config import Config, environ

from newsroom.database import DEFAULT_DATABASE_URL, persistence_env
from newsroom.errors import ValidationError
from newsroom.treehead import TreeSigner

PROJECTOR_MODES = ("embedded", "external")


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None  # None: one process, in-process fan-out
    redis_prefix: str = "newsroom:"
    projector: str = "embedded"  # "external": a separate `newsroom project` process runs it
    host: str = "127.0.0.1"
    port: int = 8000
    comment_limit: int = 5  # comments per client ...
    comment_window: float = 60.0  # ... per this many seconds
    max_projection_lag: int = 1000  # events; /readyz fails beyond it
    max_streams: int = 10_000  # live readers per process; 503 beyond it
    stream_buffer: int = 1024  # frames a reader may fall behind before it is cut off (and resumes)
    heartbeat: float = (
        15.0  # seconds of quiet before a stream sends a comment (and checks its reader is there)
    )
    audit_key: str | None = field(default=None, repr=False)  # Ed25519 key that signs audit tree heads

    @classmethod
    def from_environ(cls) -> Settings:
        config = Config(environ=environ)
        settings = cls(
            database_url=config("NEWSROOM_DATABASE_URL", default=DEFAULT_DATABASE_URL),
            redis_url=config("NEWSROOM_REDIS_URL", default=None) or None,
            redis_prefix=config("NEWSROOM_REDIS_PREFIX", default="newsroom:"),
            projector=config("NEWSROOM_PROJECTOR", default="embedded"),
            host=config("NEWSROOM_HOST", default="127.0.0.1"),
            port=config("NEWSROOM_PORT", cast=int, default=8000),
            comment_limit=config("NEWSROOM_COMMENT_LIMIT", cast=int, default=5),
            comment_window=config("NEWSROOM_COMMENT_WINDOW", cast=float, default=60.0),
            max_projection_lag=config("NEWSROOM_MAX_PROJECTION_LAG", cast=int, default=1000),
            max_streams=config("NEWSROOM_MAX_STREAMS", cast=int, default=10_000),
            stream_buffer=config("NEWSROOM_STREAM_BUFFER", cast=int, default=1024),
            heartbeat=config("NEWSROOM_HEARTBEAT", cast=float, default=15.0),
            audit_key=config("NEWSROOM_AUDIT_KEY", default=None) or None,
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Raises ValidationError naming the setting when one cannot work."""
        persistence_env(self.database_url)
        self.signer()
        if self.redis_url is not None and urlsplit(self.redis_url).scheme not in ("redis", "rediss", "unix"):
            raise ValidationError("NEWSROOM_REDIS_URL", "must start with redis://, rediss:// or unix://")
        if self.projector not in PROJECTOR_MODES:
            raise ValidationError("NEWSROOM_PROJECTOR", f"must be one of {', '.join(PROJECTOR_MODES)}")
        if self.comment_limit < 1 or self.comment_window <= 0:
            raise ValidationError(
                "NEWSROOM_COMMENT_LIMIT", "the comment rate must allow at least one comment"
            )

    def signer(self) -> TreeSigner | None:
        """What signs audit tree heads; None leaves them unsigned."""
        return TreeSigner.from_setting(self.audit_key) if self.audit_key else None
