"""The signed head of the audit log, as the site publishes it: made at most once a second.

Every reader of ``/api/live`` is sent the head when it connects, and every page and feed carries it, so
copies of it live outside the newsroom's database. Reading the tree and signing it for each one made a
reconnecting crowd cost a query and a signature per reader; a head a second old commits to the same log up
to its size, and anyone can check the newer ones (``/api/audit/tree-head``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import orjson

from newsroom.treehead import TreeSigner, b64
from projections import audit
from projections.registry import ReadModels
from web.concurrency import blocking
from web.fanout import frames

MAX_AGE_SECONDS = 1.0
log = logging.getLogger("newsroom.web")

Head = dict[str, Any]


class TreeHeads:
    def __init__(self, read_models: ReadModels, signer: TreeSigner | None) -> None:
        self._read_models = read_models
        self._signer = signer
        self._made: asyncio.Future[tuple[Head, bytes]] | None = None
        self._made_at = 0.0
        self._latest: Head | None = None

    @property
    def public_key(self) -> str | None:
        """The key the heads are signed with (base64), as the site publishes it; None when unsigned."""
        return b64(self._signer.public_key) if self._signer is not None else None

    async def head(self) -> Head:
        return (await self._current())[0]

    async def frame(self) -> bytes:
        """The SSE message (``event: tree-head``, no id: it must not move Last-Event-ID)."""
        return (await self._current())[1]

    def latest(self) -> Head | None:
        """The head made last, without waiting (for a page being rendered); a newer one is made in the
        background when it is more than a second old."""
        loop = asyncio.get_running_loop()
        if self._made is None or (self._made.done() and loop.time() - self._made_at > MAX_AGE_SECONDS):
            self._start(loop)
        return self._latest

    async def keep_fresh(self, position: Callable[[], int], every: float = MAX_AGE_SECONDS) -> None:
        """Makes a new head within ``every`` seconds of the log growing past the head made last
        (``position``: the newest this process has seen), so that pages, which take the head made last
        without waiting, carry a current one. A head made while the audit tree was behind (at start, with
        the projector still reading the log) is made again until it covers ``position``; nothing while the
        log stands still."""
        while True:
            await asyncio.sleep(every)
            if self._latest is not None and self._latest["last_position"] >= position():
                continue
            try:
                await self.head()
            except Exception as error:  # the store is down: pages keep the last head meanwhile
                log.warning("could not make the audit log's head (%s); trying again", error)

    async def _current(self) -> tuple[Head, bytes]:
        loop = asyncio.get_running_loop()
        if self._made is None or (self._made.done() and loop.time() - self._made_at > MAX_AGE_SECONDS):
            self._start(loop)
        assert self._made is not None
        try:
            return await asyncio.shield(self._made)
        except Exception:
            self._made = None  # the store failed: the next reader tries again
            raise

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._made, self._made_at = loop.create_task(self._make()), loop.time()
        self._made.add_done_callback(_quietly)

    async def _make(self) -> tuple[Head, bytes]:
        head = await blocking(audit.tree_head, self._read_models, self._signer)
        self._latest = head
        return head, frames.frame("tree-head", orjson.dumps(head))


def _quietly(made: asyncio.Future[Any]) -> None:
    """A head made for a page nobody waits on: its failure is retried by the next one, not logged."""
    if not made.cancelled():
        made.exception()
