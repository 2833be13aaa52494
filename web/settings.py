"""Every setting, read from the environment once, in one place, and checked with a clear message."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import TypeVar
from urllib.parse import urlsplit

from starlette.config import Config, environ

from newsroom import rules
from newsroom.database import DEFAULT_DATABASE_URL, persistence_env
from newsroom.errors import ValidationError
from newsroom.treehead import TreeSigner
from web.edge import grip
from web.edge.cache_policy import CachePolicy
from web.edge.purge import purgers_for
from web.embeds import DEFAULT_PROVIDERS, PROVIDERS, Embeds
from web.redis_clients import cluster_address

PROJECTOR_MODES = ("embedded", "external")


@dataclass(frozen=True)
class Site:
    name: str
    url: str
    language: str
    logo: str
    image: str


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None  # None: one process, in-process fan-out
    redis_prefix: str = "newsroom:"
    projector: str = "embedded"  # "external": a separate `newsroom project` process runs it
    host: str = "127.0.0.1"
    port: int = 8000
    # The site's own base URL, for feed ids, links and JSON-LD: never the request's Host header, which
    # anyone can set (and a cache would then keep). Empty: http://HOST:PORT.
    public_url: str = ""
    # Proxies whose X-Forwarded-For is believed (addresses or networks); none by default.
    trusted_proxies: tuple[str, ...] = ()
    comment_limit: int = 5  # comments per client ...
    comment_window: float = 60.0  # ... per this many seconds
    max_projection_lag: int = 1000  # events; /readyz fails beyond it
    max_streams: int = 10_000  # live readers per process; 503 beyond it
    max_streams_per_client: int = 20  # live streams one client may hold open at once; 429 beyond it
    stream_buffer: int = 1024  # frames a reader may fall behind before it is cut off (and resumes)
    heartbeat: float = (
        15.0  # seconds of quiet before a stream sends a comment (and checks its reader is there)
    )
    request_timeout: float = 10.0  # seconds a request's head and body have to arrive; closed after
    audit_key: str | None = field(default=None, repr=False)  # Ed25519 key that signs audit tree heads
    # Providers whose embeds are framed on pages (web/embeds.py); others show as links.
    embed_providers: tuple[str, ...] = DEFAULT_PROVIDERS
    # What the site calls itself, its language, and the images search engines and shares show for it.
    site_name: str = "Newsroom"
    language: str = "en"
    publisher_logo: str = ""  # empty: the bundled logo
    share_image: str = ""  # empty: the bundled image, for stories without one of their own
    # GRIP proxies (Pushpin, Fanout) holding live readers: their control URIs (web/edge/grip.py).
    grip_url: str = field(default="", repr=False)
    # Caches the projector purges when a story changes (web/edge/purge.py), and how long they keep pages.
    purge_url: tuple[str, ...] = ()
    cache_seconds: int = 300

    @classmethod
    def from_environ(cls) -> Settings:
        """The settings in the environment, checked: a value that cannot work raises ValidationError
        naming it (the command line prints that one line and exits)."""
        config = Config(environ=environ)

        def text(name: str, default: str) -> str:
            return str(config(name, default=default))

        settings = cls(
            database_url=text("NEWSROOM_DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=text("NEWSROOM_REDIS_URL", "") or None,
            redis_prefix=text("NEWSROOM_REDIS_PREFIX", "newsroom:"),
            projector=text("NEWSROOM_PROJECTOR", "embedded"),
            host=text("NEWSROOM_HOST", "127.0.0.1"),
            port=_number(config, "NEWSROOM_PORT", int, 8000),
            public_url=text("NEWSROOM_PUBLIC_URL", ""),
            trusted_proxies=tuple(
                part.strip() for part in text("NEWSROOM_TRUSTED_PROXIES", "").split(",") if part.strip()
            ),
            comment_limit=_number(config, "NEWSROOM_COMMENT_LIMIT", int, 5),
            comment_window=_number(config, "NEWSROOM_COMMENT_WINDOW", float, 60.0),
            max_projection_lag=_number(config, "NEWSROOM_MAX_PROJECTION_LAG", int, 1000),
            max_streams=_number(config, "NEWSROOM_MAX_STREAMS", int, 10_000),
            max_streams_per_client=_number(config, "NEWSROOM_MAX_STREAMS_PER_CLIENT", int, 20),
            stream_buffer=_number(config, "NEWSROOM_STREAM_BUFFER", int, 1024),
            heartbeat=_number(config, "NEWSROOM_HEARTBEAT", float, 15.0),
            request_timeout=_number(config, "NEWSROOM_REQUEST_TIMEOUT", float, 10.0),
            audit_key=text("NEWSROOM_AUDIT_KEY", "") or None,
            site_name=text("NEWSROOM_SITE_NAME", "Newsroom"),
            language=text("NEWSROOM_LANGUAGE", "en"),
            publisher_logo=text("NEWSROOM_PUBLISHER_LOGO", ""),
            share_image=text("NEWSROOM_SHARE_IMAGE", ""),
            grip_url=text("NEWSROOM_GRIP_URL", ""),
            purge_url=tuple(
                part.strip() for part in text("NEWSROOM_PURGE_URL", "").split(",") if part.strip()
            ),
            cache_seconds=_number(config, "NEWSROOM_CACHE_SECONDS", int, 300),
            embed_providers=tuple(
                part.strip().lower()
                for part in text("NEWSROOM_EMBED_PROVIDERS", ",".join(DEFAULT_PROVIDERS)).split(",")
                if part.strip()
            ),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Raises ValidationError naming the setting when one cannot work."""
        persistence_env(self.database_url)
        self.signer()
        if self.redis_url is not None:
            cluster_address(self.redis_url)
        if self.projector not in PROJECTOR_MODES:
            raise ValidationError("NEWSROOM_PROJECTOR", f"must be one of {', '.join(PROJECTOR_MODES)}")
        if not 0 < self.port < 65536:
            raise ValidationError("NEWSROOM_PORT", "must be a port number from 1 to 65535")
        if self.comment_limit < 1 or self.comment_window <= 0:
            raise ValidationError(
                "NEWSROOM_COMMENT_LIMIT", "the comment rate must allow at least one comment"
            )
        for name, value in (
            ("NEWSROOM_MAX_STREAMS", self.max_streams),
            ("NEWSROOM_MAX_STREAMS_PER_CLIENT", self.max_streams_per_client),
            ("NEWSROOM_STREAM_BUFFER", self.stream_buffer),
            ("NEWSROOM_MAX_PROJECTION_LAG", self.max_projection_lag),
        ):
            if value < 1:
                raise ValidationError(name, "must be at least 1")
        if self.heartbeat <= 0:
            raise ValidationError("NEWSROOM_HEARTBEAT", "must be a number of seconds above 0")
        if self.request_timeout <= 0:
            raise ValidationError("NEWSROOM_REQUEST_TIMEOUT", "must be a number of seconds above 0")
        unknown = [name for name in self.embed_providers if name not in PROVIDERS]
        if unknown:
            raise ValidationError(
                "NEWSROOM_EMBED_PROVIDERS",
                f"knows {', '.join(PROVIDERS)}, not {', '.join(unknown)} (comma-separated; empty: none)",
            )
        if not rules.LANGUAGE_TAG.fullmatch(self.language):
            raise ValidationError("NEWSROOM_LANGUAGE", "must be a language tag such as en or en-GB")
        if not self.site_name.strip() or len(self.site_name) > 100:
            raise ValidationError("NEWSROOM_SITE_NAME", "must be a name of 1 to 100 characters")
        for name, url in (
            ("NEWSROOM_PUBLISHER_LOGO", self.publisher_logo),
            ("NEWSROOM_SHARE_IMAGE", self.share_image),
        ):
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise ValidationError(name, "must be an absolute http(s) URL")
        if self.cache_seconds < 1:
            raise ValidationError("NEWSROOM_CACHE_SECONDS", "must be at least 1")
        purgers_for(self.purge_url)
        _ = self.site_url, self.proxy_networks, self.grip_proxies

    @cached_property
    def site(self) -> Site:
        """What pages, feeds and JSON-LD say of the site itself."""
        return Site(
            name=self.site_name,
            url=self.site_url,
            language=self.language,
            logo=self.publisher_logo or f"{self.site_url}/static/logo.png",
            image=self.share_image or f"{self.site_url}/static/share.png",
        )

    @cached_property
    def grip_proxies(self) -> tuple[grip.GripProxy, ...]:
        return grip.parse(self.grip_url)

    @cached_property
    def cache_policy(self) -> CachePolicy:
        purgers = purgers_for(self.purge_url)
        return CachePolicy(
            purged_seconds=self.cache_seconds,
            purging=bool(purgers),
            purges_every_variant=bool(purgers) and all(p.purges_every_variant for p in purgers),
        )

    @cached_property
    def embeds(self) -> Embeds:
        return Embeds.of(self.embed_providers)

    def signer(self) -> TreeSigner | None:
        """What signs audit tree heads; None leaves them unsigned."""
        return TreeSigner.from_setting(self.audit_key) if self.audit_key else None

    @cached_property
    def site_url(self) -> str:
        """The site's base URL without a trailing slash: NEWSROOM_PUBLIC_URL, or http://HOST:PORT."""
        if not self.public_url:
            return f"http://{self.host}:{self.port}"
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValidationError(
                "NEWSROOM_PUBLIC_URL", "must be the site's http(s) base URL, e.g. https://news.example.org"
            )
        return self.public_url.rstrip("/")

    @cached_property
    def proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """NEWSROOM_TRUSTED_PROXIES as networks (an address is a network of one)."""
        try:
            return tuple(ip_network(proxy, strict=False) for proxy in self.trusted_proxies)
        except ValueError as error:
            raise ValidationError(
                "NEWSROOM_TRUSTED_PROXIES", f"must be IP addresses or networks, comma-separated ({error})"
            ) from None


Number = TypeVar("Number", int, float)


def _number(config: Config, name: str, kind: type[Number], default: Number) -> Number:
    raw = str(config(name, default=str(default))).strip()
    try:
        value = kind(raw)
    except ValueError:
        raise ValidationError(
            name, f"must be {'a whole number' if kind is int else 'a number'}, not {raw!r}"
        ) from None
    if kind is float and not math.isfinite(value):
        raise ValidationError(name, f"must be a finite number, not {raw!r}")
    return value
