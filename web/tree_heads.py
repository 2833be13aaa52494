"""The signed head of the audit log that the site feed opens with, made at most once a second.

Every reader of ``/api/live`` is sent the head when it connects. Reading the tree and signing it for each
one made a reconnecting crowd cost a query and a signature per reader; a head a second old commits to
the same log up to its size, and anyone can check the newer ones (``/api/audit/tree-head``).
"""

from __future__ import annotations

import asyncio

import orjson

from newsroom.treehead import TreeSigner
from projections import audit
from projections.registry import ReadModels
from web.concurrency import blocking
from web.fanout import frames

MAX_AGE_SECONDS = 1.0


class TreeHeads:
    def __init__(self, read_models: ReadModels, signer: TreeSigner | None) -> None:
        self._read_models = read_models
        self._signer = signer
        self._made: asyncio.Future[bytes] | None = None
        self._made_at = 0.0

    async def frame(self) -> bytes:
        """The SSE message (``event: tree-head``, no id: it must not move Last-Event-ID)."""
        loop = asyncio.get_running_loop()
        if self._made is None or (self._made.done() and loop.time() - self._made_at > MAX_AGE_SECONDS):
            self._made, self._made_at = loop.create_task(self._make()), loop.time()
        try:
            return await asyncio.shield(self._made)
        except Exception:
            self._made = None  # the store failed: the next reader tries again
            raise

    async def _make(self) -> bytes:
        head = await blocking(audit.tree_head, self._read_models, self._signer)
        return frames.frame("tree-head", orjson.dumps(head))
