"""Where the projector's batches go and where a web process hears them: in-process, or through Redis.

One small interface, chosen by settings (``backend_for``), as in encode/broadcaster. ``publish`` is called
by the projector (from its thread, or its own process) and never raises: a web process that misses a batch
fills the gap from the read models. ``listen`` runs in a web process, handing each batch it hears to the
feed, and a batch with no items whenever it (re)connects, so the feed checks for what it missed.
"""

from __future__ import annotations

from web.fanout.backends.interface import Backend, Deliver

__all__ = ["Backend", "Deliver", "backend_for"]


def backend_for(redis_url: str | None, prefix: str) -> Backend:
    if redis_url is None:
        from web.fanout.backends.memory import MemoryBackend

        return MemoryBackend()
    from web.fanout.backends.redis import RedisBackend

    return RedisBackend(redis_url, channel=f"{prefix}timeline")
