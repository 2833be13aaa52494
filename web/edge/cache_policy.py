"""The surrogate keys a public read is kept under, and how long shared caches may keep it."""

from __future__ import annotations

from dataclasses import dataclass

SITE = "site"  # the lists every story is on: the front page, the site's feeds, the sitemap


def story_key(slug: str) -> str:
    return f"story:{slug}"


def tag_key(tag: str) -> str:
    return f"tag:{tag}"


def author_key(name: str) -> str:
    return f"author:{name}"


@dataclass(frozen=True)
class CachePolicy:
    """How long shared caches keep public reads (the settings ``NEWSROOM_CACHE_*``)."""

    purged_seconds: int = 300  # s-maxage of what the projector purges on change
    stale_seconds: int = 30  # stale-while-revalidate: what is unchanged may be served while refetched
    error_seconds: int = 3600  # stale-if-error: while the origin is down, readers still get pages
    purging: bool = False  # a purger is configured
    purges_every_variant: bool = False  # it purges by key (Fastly, Varnish), not only canonical URLs

    def cache_control(self, has_query: bool) -> str:
        """For a read at a URL with a query string or without one."""
        if self.purging and (self.purges_every_variant or not has_query):
            return (
                f"public, max-age=0, s-maxage={self.purged_seconds}, "
                f"stale-while-revalidate={self.stale_seconds}, stale-if-error={self.error_seconds}"
            )
        return UNPURGED


UNPURGED = "public, max-age=0, s-maxage=1"  # nothing purges it: a second at most in any cache
