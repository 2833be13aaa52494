"""Telling a store that is down from one that is slow, so that requests never wait long on one that is down.

The library retries a failed store call for seconds (ten attempts, each waiting for a connection), which is
right for a connection dropped once and wrong for a server that is gone: an append waited 8.5 s to fail.
Every blocking call a request makes goes through its process's gate (``web.concurrency.blocking``). A call
that fails with the store's connection error, or takes longer than ``deadline``, has the server asked
directly, on a connection of its own (``newsroom.database.server_probe``); if it does not answer, the
store is down: the request gets 503 with Retry-After at once, and so does every request after it without
trying, until the probe, asked again every ``every`` seconds, gets an answer. A call that is only slow, on
a server that answers, is waited for: its write may still commit, and a 503 would invite a second one.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError

from newsroom.errors import NewsroomError

log = logging.getLogger("newsroom.web")

T = TypeVar("T")
RETRY_AFTER_SECONDS = 1


class StoreDownError(NewsroomError):
    """The store's server does not answer: nothing was done; try again shortly."""

    code = "unavailable"


class StoreGate:
    def __init__(self, probe: Callable[[], None], *, deadline: float = 0.8, every: float = 0.5) -> None:
        self._probe = probe
        self.deadline = deadline
        self.every = every
        self.down = False
        self._watching: asyncio.Task[None] | None = None
        self._judging: set[asyncio.Future[None]] = set()
        self._probing: asyncio.Future[bool] | None = None  # one probe at a time, for every caller

    async def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.down:
            raise StoreDownError("the store is unavailable; retry shortly")
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        running = loop.run_in_executor(None, context.run, functools.partial(func, *args, **kwargs))
        # One future and one timer a call, no task: this is on every store call's way.
        answer: asyncio.Future[T] = loop.create_future()
        running.add_done_callback(functools.partial(_pass_on, answer))
        timer = loop.call_later(self.deadline, self._overdue, answer)
        try:
            return await answer
        except (OperationalError, InterfaceError):
            if not self.down and not await self._answers():
                self._went_down()
            raise
        finally:
            timer.cancel()

    def _overdue(self, answer: asyncio.Future[Any]) -> None:
        """A call taking this long: down, or only slow? The probe says (the call goes on either way)."""
        judging = asyncio.ensure_future(self._judge(answer))
        self._judging.add(judging)
        judging.add_done_callback(self._judging.discard)

    async def _judge(self, answer: asyncio.Future[Any]) -> None:
        if answer.done() or await self._answers():
            return  # slow, not down: its write may yet commit, so it is waited for
        self._went_down()
        if not answer.done():
            answer.set_exception(StoreDownError("the store is unavailable; retry shortly"))

    async def _answers(self) -> bool:
        """Whether the server answers now (callers asking at once share one probe)."""
        if self._probing is None or self._probing.done():
            self._probing = asyncio.ensure_future(self._probe_once())
        return await asyncio.shield(self._probing)

    async def _probe_once(self) -> bool:
        try:
            await asyncio.wait_for(asyncio.to_thread(self._probe), self.deadline)
        except Exception as error:  # a timeout, the store's errors, psycopg's own: the server did not answer
            log.debug("store probe failed: %s", error)
            return False
        return True

    def _went_down(self) -> None:
        if self.down:
            return
        self.down = True
        log.warning("the store does not answer: requests get 503 until it does")
        self._watching = asyncio.create_task(self._watch(), name="store-gate")

    async def _watch(self) -> None:
        while self.down:
            await asyncio.sleep(self.every)
            if await self._answers():
                self.down = False
                log.warning("the store answers again")

    def close(self) -> None:
        for task in (self._watching, self._probing, *self._judging):
            if task is not None:
                task.cancel()


def _pass_on(answer: asyncio.Future[Any], running: asyncio.Future[Any]) -> None:
    """The call's outcome to its caller, unless the caller was told the store is down already (then the
    outcome is taken here, so that a failure is not reported as unhandled)."""
    if answer.done():
        with contextlib.suppress(BaseException):
            running.result()
    elif running.cancelled():
        answer.cancel()
    elif (error := running.exception()) is not None:
        answer.set_exception(error)
    else:
        answer.set_result(running.result())
