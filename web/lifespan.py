"""The lifespan owns every client: the application and its pools, the read models, the Redis client and,
in the embedded setup, the projector thread. Nothing connects at import time."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from starlette.applications import Starlette

from newsroom import Newsroom
from projections.projector import Projector, run_projector
from projections.registry import open_read_models
from web.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from web.services import Services, blocking
from web.settings import Settings

log = logging.getLogger("newsroom.web")


@asynccontextmanager
async def lifespan(starlette: Starlette) -> AsyncIterator[dict[str, Any]]:
    settings: Settings = starlette.state.settings
    app = await blocking(Newsroom.from_url, settings.database_url)
    read_models = await blocking(open_read_models, app)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    limiter: RateLimiter = (
        RedisRateLimiter(redis, settings.redis_prefix, settings.comment_limit, settings.comment_window)
        if redis is not None
        else MemoryRateLimiter(settings.comment_limit, settings.comment_window)
    )
    stop = threading.Event()
    projector_thread = None
    if settings.projector == "embedded":
        projector = Projector(app, read_models)
        projector_thread = threading.Thread(
            target=run_projector,
            args=(projector, stop),
            kwargs={"say": log.info},
            name="projector",
            daemon=True,
        )
        projector_thread.start()
    try:
        yield {
            "services": Services(settings=settings, app=app, read_models=read_models, comment_limiter=limiter)
        }
    finally:
        stop.set()
        if projector_thread is not None:
            projector.wake.set()
            await blocking(projector_thread.join, 5)
        if redis is not None:
            await redis.aclose()
        await blocking(app.close)
