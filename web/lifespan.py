"""The lifespan owns every client: the application and its pools, the read models, the Redis client, the
fan-out hub and its feed, and, in the embedded setup, the projector thread. Nothing connects at import."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from starlette.applications import Starlette

from newsroom import Newsroom
from newsroom.database import server_probe
from projections.projector import Projector, run_projector
from projections.registry import open_read_models
from web.bootstrap import projecting
from web.commits import LoopCommits
from web.concurrency import blocking, guard
from web.fanout.backends import backend_for
from web.fanout.feed import Feed
from web.fanout.hub import Hub
from web.fragments import live_html
from web.live import SEND_TIMEOUT_SECONDS
from web.metrics import EVENTS_APPENDED
from web.presence import MemoryPresence, RedisPresence
from web.previews import KEY_NAME as SITE_KEY
from web.ratelimit import rate_limiter
from web.redis_clients import async_client
from web.services import Services
from web.settings import Settings
from web.store_gate import StoreGate
from web.stream_slots import StreamSlots
from web.tree_heads import TreeHeads

log = logging.getLogger("newsroom.web")

TASKS_STOP_SECONDS = 2.0
THREADS = 40  # for blocking calls into the store: as many as anyio's default, which served before
REPORT_WINDOW_SECONDS = 86_400.0  # a reader reports a given comment once a day


@asynccontextmanager
async def lifespan(starlette: Starlette) -> AsyncIterator[dict[str, Any]]:
    settings: Settings = starlette.state.settings
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(THREADS, thread_name_prefix="newsroom-blocking")
    loop.set_default_executor(pool)
    probe = server_probe(settings.database_url)
    gate = StoreGate(probe) if probe is not None else None
    guard(gate)
    app = await blocking(Newsroom.from_url, settings.database_url)
    app.on_saved(lambda _position, events: EVENTS_APPENDED.inc(events))
    read_models = await blocking(open_read_models, app)
    redis = async_client(settings.redis_url) if settings.redis_url else None
    hub = Hub(limit=settings.stream_buffer, finish=partial(live_html, embeds=settings.embeds))
    feed = Feed(hub, read_models)
    await feed.start()
    tasks = [
        asyncio.create_task(feed.run(), name="feed"),
        asyncio.create_task(close_streams_on_exit(hub), name="close-streams-on-exit"),
        asyncio.create_task(hub.watch(SEND_TIMEOUT_SECONDS, settings.heartbeat), name="stream-watchdog"),
    ]
    backend = backend_for(settings.redis_url, settings.redis_prefix)
    tasks.append(asyncio.create_task(backend.listen(feed.offer), name="fanout-listen"))

    stop = threading.Event()
    projector: Projector | None = None
    projector_thread = None
    close_listeners = None
    if settings.projector == "embedded":
        # Through the backend, as a projector of its own would: with Redis, every process hears it.
        embedded = projecting(settings, app, read_models, backend)
        projector, close_listeners = embedded.projector, embedded.close
        projector_thread = threading.Thread(
            target=run_projector,
            args=(projector, stop),
            kwargs={"say": log.info},
            name="projector",
            daemon=True,
        )
        projector_thread.start()
    commits = LoopCommits(app)
    services = Services(
        settings=settings,
        app=app,
        commits=commits,
        read_models=read_models,
        comment_limiter=rate_limiter(
            redis, settings.redis_prefix, settings.comment_limit, settings.comment_window
        ),
        # One report of a comment from a client a day: the queue counts readers, not presses.
        report_limiter=rate_limiter(redis, settings.redis_prefix, 1, REPORT_WINDOW_SECONDS),
        hub=hub,
        stream_slots=StreamSlots(settings.max_streams, settings.max_streams_per_client),
        tree_heads=TreeHeads(read_models, settings.signer()),
        signer=settings.signer(),
        embeds=settings.embeds,
        presence=RedisPresence(redis, settings.redis_prefix) if redis is not None else MemoryPresence(),
        site_key=await blocking(app.vault.put_once, SITE_KEY, secrets.token_bytes(32)),
    )
    services.tree_heads.latest()  # made now, so the first page served carries the log's head
    tasks.append(
        asyncio.create_task(services.tree_heads.keep_fresh(lambda: hub.last_position), name="tree-heads")
    )
    try:
        yield {"services": services}
    finally:
        hub.close()
        stop.set()
        if projector is not None and projector_thread is not None:
            projector.wake.set()
            await blocking(projector_thread.join, 5)
        # Each task also ends by itself once the hub is closing, and is waited for only so long: a task
        # busy in a blocking call (a store that does not answer) must not hold shutdown for ever.
        for task in tasks:
            task.cancel()
        _, stuck = await asyncio.wait(tasks, timeout=TASKS_STOP_SECONDS)
        for task in stuck:
            log.warning("task %s did not stop within %s s", task.get_name(), TASKS_STOP_SECONDS)
        await commits.close(TASKS_STOP_SECONDS)
        guard(None)
        if gate is not None:
            gate.close()
        if close_listeners is not None:
            close_listeners()
        backend.close()
        if redis is not None:
            await redis.aclose()
        # A cancelled task leaves its blocking call running in the pool, and closing a store under a
        # running query crashed the process (SQLite: a segmentation fault in a test's shutdown). Close it
        # only once every call has returned and the projector has stopped.
        drained = await drain(pool, TASKS_STOP_SECONDS)
        if drained and (projector_thread is None or not projector_thread.is_alive()):
            app.close()  # on the loop: the pool is gone, and nothing else is served any more
        else:
            log.warning("blocking calls still running after %s s; the store is left open", TASKS_STOP_SECONDS)


async def drain(pool: ThreadPoolExecutor, timeout: float) -> bool:
    """Stops the pool taking work and waits up to ``timeout`` for the calls running in it to return."""
    pool.shutdown(wait=False, cancel_futures=True)
    returned = threading.Event()

    def wait_for_calls() -> None:
        pool.shutdown(wait=True)
        returned.set()

    threading.Thread(target=wait_for_calls, name="drain-blocking", daemon=True).start()
    deadline = asyncio.get_running_loop().time() + timeout
    while not returned.is_set() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    return returned.is_set()


async def close_streams_on_exit(hub: Hub, poll: float = 0.25) -> None:
    """uvicorn runs the lifespan's shutdown only after open requests end, and a live stream never ends by
    itself: so watch uvicorn's exit flag (its SIGTERM handler is a method of the server) and close every
    stream as soon as it is set; readers reconnect elsewhere and resume."""
    while True:
        server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
        if getattr(server, "should_exit", False):
            hub.close()
            return
        await asyncio.sleep(poll)
