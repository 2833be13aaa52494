"""One hub per web process: takes each timeline item once and hands its SSE frame to the local readers.

A frame is encoded once, here, and the same bytes go to every reader. Each reader has a bounded buffer; a
reader that falls more than ``limit`` frames behind is marked dropped and its stream ends with a final
``overflow`` event, after which it reconnects with Last-Event-ID and catches up from the timeline. Offering
a frame never waits, so one slow reader cannot slow the others.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from projections.documents import TimelineItem
from web.metrics import MESSAGES_FANNED_OUT, OPEN_STREAMS, SLOW_READERS_DROPPED, observe_dispatch


@dataclass(frozen=True, slots=True)
class Frame:
    position: int
    slug: str
    data: bytes  # the whole SSE message: "id: ...\nevent: ...\ndata: ...\n\n"


def encode_frame(position: int, kind: str, data: bytes) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (position, kind.encode(), data)


def frame_of(item: TimelineItem) -> Frame:
    return Frame(item.position, item.slug, encode_frame(item.position, item.kind, item.data))


class Subscriber:
    """One reader's bounded buffer. ``slug`` None means the whole site. As a context manager, it leaves its
    hub however the stream ends."""

    # Kept small: there is one per reader, thousands per process. A list and a future made only while the
    # stream waits, rather than a deque and an asyncio.Event (each of which allocates a 600-byte block).
    __slots__ = (
        "_frames",
        "_hub",
        "_ready",
        "_waiter",
        "cut_off",
        "dropped",
        "sending_since",
        "slug",
        "task",
    )

    def __init__(self, hub: Hub, slug: str | None) -> None:
        self.slug = slug
        self._hub = hub
        self._frames: list[Frame] = []
        self._ready = False
        self._waiter: asyncio.Future[None] | None = None
        self.dropped = False
        # For the hub's send watchdog: when the stream's current write began, and the task writing it.
        self.sending_since: float | None = None
        self.task: asyncio.Task[object] | None = None
        self.cut_off = False

    def __enter__(self) -> Subscriber:
        return self

    def __exit__(self, *_: object) -> None:
        self._hub.unsubscribe(self)

    def offer(self, frame: Frame) -> bool:
        """Buffers the frame; False when this offer is the one that overflows the reader."""
        if self.dropped:
            return True
        self.wake()
        if len(self._frames) >= self._hub.limit:
            self.dropped = True
            self._frames.clear()
            return False
        self._frames.append(frame)
        return True

    async def take(self, timeout: float | None = None) -> list[Frame]:
        """Everything buffered so far, waiting until there is something, the reader was dropped or woken, or
        ``timeout`` seconds passed (then the list may be empty). A timer, not a task: streams are many."""
        if not self._ready:
            loop = asyncio.get_running_loop()
            self._waiter = loop.create_future()
            timer = None if timeout is None else loop.call_later(timeout, self.wake)
            try:
                await self._waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        self._ready = False
        frames, self._frames = self._frames, []
        return frames

    def wake(self) -> None:
        self._ready = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class Hub:
    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self._by_slug: defaultdict[str, set[Subscriber]] = defaultdict(set)
        self._site: set[Subscriber] = set()
        self.last_position = 0  # the newest position dispatched: live items at or below it are repeats
        self.delivered = 0
        self.dropped = 0
        self.closing = False

    @property
    def readers(self) -> int:
        return len(self._site) + sum(len(readers) for readers in self._by_slug.values())

    def subscribe(self, slug: str | None) -> Subscriber:
        """A new reader: ``with hub.subscribe(slug) as reader:`` (a class, not a generator-based context
        manager, whose frame would be kept per reader for the whole stream)."""
        subscriber = Subscriber(self, slug)
        (self._site if slug is None else self._by_slug[slug]).add(subscriber)
        OPEN_STREAMS.inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        OPEN_STREAMS.dec()
        slug = subscriber.slug
        readers = self._site if slug is None else self._by_slug.get(slug, set())
        readers.discard(subscriber)
        if slug is not None and not readers:
            self._by_slug.pop(slug, None)

    def dispatch(self, items: Iterable[TimelineItem], *, pushed: bool = True) -> None:
        """Hands new items to their readers, in position order; repeats are ignored. Event-loop only."""
        delivered, dropped = self.delivered, self.dropped
        for item in items:
            if item.position <= self.last_position:
                continue
            self.last_position = item.position
            frame = frame_of(item)
            if pushed:  # a catch-up's items are old news: they would skew the push latency
                observe_dispatch(item.data)
            for subscriber in (*self._by_slug.get(item.slug, ()), *self._site):
                if subscriber.offer(frame):
                    self.delivered += 1
                else:
                    self.dropped += 1
        MESSAGES_FANNED_OUT.inc(self.delivered - delivered)
        SLOW_READERS_DROPPED.inc(self.dropped - dropped)

    def subscribers(self) -> Iterator[Subscriber]:
        yield from self._site
        for readers in self._by_slug.values():
            yield from readers

    async def watch_sends(self, timeout: float, every: float = 1.0) -> None:
        """Cuts off readers whose one write has taken over ``timeout`` seconds (they stopped reading).

        One task for the whole process, instead of a timer around every write: at thousands of readers,
        arming and disarming those timers cost as much CPU as the writes themselves (measured with py-spy).
        """
        loop = asyncio.get_running_loop()
        while not self.closing:
            await asyncio.sleep(every)
            now = loop.time()
            for subscriber in list(self.subscribers()):
                since = subscriber.sending_since
                if since is not None and now - since > timeout and subscriber.task is not None:
                    subscriber.cut_off = True
                    subscriber.task.cancel()

    def close(self) -> None:
        """Wakes every reader so streams notice the shutdown at once."""
        self.closing = True
        for subscriber in self.subscribers():
            subscriber.wake()
