"""Article changes decided on the event loop and saved in groups: one call into the thread pool per batch.

A command runs on this process's copy of its article right on the loop (``Newsroom.prepare``: pure Python,
no I/O). The changes that arrive while a batch is being saved wait, and go together in the next one: one
transaction, one hand-off to the pool and back, however many requests it answers. Handing each request to
the pool and coordinating the threads there cost more of this process's CPU than the command and the save
together (in-process, with 8 writers on PostgreSQL: 335 -> 207 us of CPU per append).

Whatever the loop cannot decide alone goes to ``Newsroom.execute`` in the pool, which reads the store as
needed and retries: an article not cached here, an Idempotency-Key to look up, a rule that says no on a
copy that may be stale, and a batch the store refused because a copy was stale (then nothing of it was
saved, and each of its commands is executed on its own).

Commands for one article wait for the save of the one before: each runs on the copy its predecessor left,
and a batch never holds two changes to one article.
"""

from __future__ import annotations

import asyncio

from eventsourcing.persistence import IntegrityError

from newsroom import Newsroom, Receipt
from newsroom.application import Prepared
from newsroom.commands import Command
from newsroom.group_commit import MAX_BATCH
from web.concurrency import blocking


class LoopCommits:
    def __init__(self, app: Newsroom, max_batch: int = MAX_BATCH) -> None:
        self._app = app
        self._max_batch = max_batch
        self._waiting: list[tuple[Prepared, asyncio.Future[Receipt | None]]] = []
        self._saving: dict[str, asyncio.Event] = {}  # slug -> set when its change in a batch is done
        self._saver: asyncio.Task[None] | None = None

    async def execute(self, command: Command) -> Receipt:
        await self._turn(command.slug)
        prepared = self._app.prepare(command)
        if prepared is None:
            return await self._in_pool(command, turn_taken=True)
        answer: asyncio.Future[Receipt | None] = asyncio.get_running_loop().create_future()
        self._saving[command.slug] = asyncio.Event()
        self._waiting.append((prepared, answer))
        if self._saver is None:
            self._saver = asyncio.create_task(self._save_waiting(), name="loop-commits")
        receipt = await asyncio.shield(answer)  # a request that goes away leaves its change to be saved
        if receipt is None:  # refused with the rest of its batch: nothing was saved
            return await self._in_pool(command)
        return receipt

    async def _turn(self, slug: str) -> None:
        """Waits until no change to this article is being decided or saved in this process."""
        while (saving := self._saving.get(slug)) is not None:
            await saving.wait()

    async def _in_pool(self, command: Command, *, turn_taken: bool = False) -> Receipt:
        """``Newsroom.execute`` in the pool, holding the article's turn: requests of one process never
        race each other for an article (two processes appending to one story, each with several requests
        retrying against the others, once took 5-19 s to answer ``write_contention``)."""
        if not turn_taken:
            await self._turn(command.slug)
        done = self._saving[command.slug] = asyncio.Event()
        try:
            return await blocking(self._app.execute, command)
        finally:
            if self._saving.get(command.slug) is done:
                del self._saving[command.slug]
            done.set()

    async def close(self, timeout: float) -> None:
        """Waits up to ``timeout`` for the changes already accepted to be saved (at shutdown)."""
        if self._saver is not None:
            await asyncio.wait([self._saver], timeout=timeout)

    async def _save_waiting(self) -> None:
        batch: list[tuple[Prepared, asyncio.Future[Receipt | None]]] = []
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    receipts: list[Receipt | None] = list(
                        await blocking(self._app.save_prepared, [prepared for prepared, _ in batch])
                    )
                except IntegrityError:
                    receipts = [None] * len(batch)
                except Exception as error:
                    self._answer(batch, error)
                    continue
                self._answer(batch, receipts)
        except BaseException as error:  # cancelled (shutdown): nobody may be left waiting
            self._answer([*batch, *self._waiting], error)
            self._waiting.clear()
            raise
        finally:
            self._saver = None

    def _answer(
        self,
        batch: list[tuple[Prepared, asyncio.Future[Receipt | None]]],
        outcome: list[Receipt | None] | BaseException,
    ) -> None:
        for n, (prepared, answer) in enumerate(batch):
            if not answer.done():
                if isinstance(outcome, asyncio.CancelledError):
                    answer.cancel()
                elif isinstance(outcome, BaseException):
                    answer.set_exception(outcome)
                else:
                    answer.set_result(outcome[n])
            saving = self._saving.pop(prepared.command.slug, None)
            if saving is not None:
                saving.set()
