"""Which embeds are framed, and from where: only providers the operator allows (``NEWSROOM_EMBED_PROVIDERS``)
frame their content on a page; every other embed is shown as a link. The page's Content-Security-Policy
lets frames come from the allowed providers' origins, and from nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Provider:
    name: str
    origin: str  # what the CSP's frame-src allows
    kinds: frozenset[str]
    frame: Callable[[str], str | None]  # the URL to frame for an embed's URL, or None if not theirs


def _openstreetmap(url: str) -> str | None:
    return url if url.startswith("https://www.openstreetmap.org/export/embed.html") else None


_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")


def _youtube(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    video = None
    if host == "youtu.be":
        video = parts.path.strip("/")
    elif host == "youtube.com" and parts.path == "/watch":
        video = (parse_qs(parts.query).get("v") or [""])[0]
    elif host in ("youtube.com", "youtube-nocookie.com") and parts.path.startswith("/embed/"):
        video = parts.path.removeprefix("/embed/")
    if not video or not _YOUTUBE_ID.fullmatch(video):
        return None
    return f"https://www.youtube-nocookie.com/embed/{video}"


def _vimeo(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    found = (
        re.fullmatch(r"/(?:video/)?([0-9]{1,12})", parts.path)
        if host in ("vimeo.com", "player.vimeo.com")
        else None
    )
    return f"https://player.vimeo.com/video/{found.group(1)}" if found else None


PROVIDERS: Final = {
    provider.name: provider
    for provider in (
        Provider("openstreetmap", "https://www.openstreetmap.org", frozenset({"map"}), _openstreetmap),
        Provider("youtube", "https://www.youtube-nocookie.com", frozenset({"video"}), _youtube),
        Provider("vimeo", "https://player.vimeo.com", frozenset({"video"}), _vimeo),
    )
}
DEFAULT_PROVIDERS: Final = ("openstreetmap",)


@dataclass(frozen=True)
class Embeds:
    """The providers this site frames embeds from."""

    allowed: tuple[Provider, ...]

    @classmethod
    def of(cls, names: tuple[str, ...]) -> Embeds:
        return cls(tuple(PROVIDERS[name] for name in names))

    def frame_url(self, embed: dict[str, Any]) -> str | None:
        """What an embed frames, if one of the allowed providers frames it; None: shown as a link."""
        for provider in self.allowed:
            if embed["kind"] in provider.kinds and (url := provider.frame(embed["url"])) is not None:
                return url
        return None

    @property
    def frame_origins(self) -> str:
        return " ".join(provider.origin for provider in self.allowed) or "'none'"
