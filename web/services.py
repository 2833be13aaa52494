"""What the web app holds while it runs: built by the lifespan, reached by handlers through the request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from newsroom import Newsroom
from newsroom.treehead import TreeSigner
from projections.sqlstore import SQLReadModels
from web.fanout.hub import Hub
from web.ratelimit import RateLimiter
from web.settings import Settings

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    app: Newsroom
    read_models: SQLReadModels
    comment_limiter: RateLimiter
    hub: Hub
    signer: TreeSigner | None


def services(request: Request) -> Services:
    found: Services = request.state.services
    return found


async def blocking(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """eventsourcing and its drivers are synchronous: every call into them runs in the thread pool."""
    return await run_in_threadpool(func, *args, **kwargs)
