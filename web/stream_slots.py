"""How many live streams a process holds, and one client: counted by connection, not by subscription.

A stream takes a slot when it opens. The slot is given back when its connection is closed, not when the
stream stops: a reader cut off for not reading keeps its socket (and the bytes queued for it) until the
server closes it, and that is what costs memory. Beyond the process's cap a stream is refused with 503;
beyond a client's (NEWSROOM_MAX_STREAMS_PER_CLIENT, by the client's address as ``web.clients`` finds
it) with 429, so one client cannot take every slot.
"""

from __future__ import annotations

from collections import Counter

from web.http import HTTPError
from web.metrics import STREAM_CONNECTIONS

RETRY_AFTER = "5"


class StreamSlots:
    def __init__(self, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self.taken = 0
        self._by_client: Counter[str] = Counter()

    def take(self, client: str) -> Slot:
        if self.taken >= self.total:
            raise HTTPError(
                503,
                "too_many_streams",
                "this server has as many live readers as it takes; retry",
                headers={"Retry-After": RETRY_AFTER},
            )
        if self._by_client[client] >= self.per_client:
            raise HTTPError(
                429,
                "too_many_streams_for_client",
                f"one client may keep {self.per_client} live streams open at once; close one first",
                headers={"Retry-After": RETRY_AFTER},
                limit=self.per_client,
            )
        self.taken += 1
        self._by_client[client] += 1
        STREAM_CONNECTIONS.inc()
        return Slot(self, client)

    def _give_back(self, client: str) -> None:
        self.taken -= 1
        STREAM_CONNECTIONS.dec()
        self._by_client[client] -= 1
        if not self._by_client[client]:
            del self._by_client[client]


class Slot:
    __slots__ = ("_client", "_slots")

    def __init__(self, slots: StreamSlots, client: str) -> None:
        self._slots: StreamSlots | None = slots
        self._client = client

    def give_back(self) -> None:
        """Idempotent: the stream's end and its connection's close may both call it."""
        if self._slots is not None:
            self._slots._give_back(self._client)
            self._slots = None
