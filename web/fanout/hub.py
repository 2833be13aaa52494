"""One hub per web process: takes each timeline item once and hands its SSE frame to the local readers.

A frame is encoded once, here, and the same bytes go to every reader. Frames wait in a channel, one per
article with readers plus one for the whole site, shared by that channel's readers: each reader keeps only
a cursor (the last position it sent). A channel keeps at most ``limit`` frames; a reader whose cursor falls
behind the frames a channel let go has fallen too far behind: its stream ends with a final ``overflow``
event, it reconnects with Last-Event-ID and catches up from the timeline. Dispatching never waits, so one
slow reader cannot slow the others.

One watchdog task per process (``watch``) does the periodic work for every reader at once: it lets go of
frames every reader has sent, wakes readers that have been quiet for a heartbeat, and cuts off a reader
whose one write has been stuck too long.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter

import orjson

from projections import live_kinds
from projections.documents import TimelineItem
from web.fanout import frames
from web.metrics import MESSAGES_FANNED_OUT, OPEN_STREAMS, SLOW_READERS_DROPPED, observe_dispatch


@dataclass(frozen=True, slots=True)
class Frame:
    position: int
    slug: str
    data: bytes  # the whole SSE message: "id: ...\nevent: ...\ndata: ...\n\n"


def frame_of(item: TimelineItem) -> Frame:
    return Frame(item.position, item.slug, frames.frame(item.kind, item.data, item.position))


def as_it_is(item: TimelineItem) -> TimelineItem:
    return item


_position = attrgetter("position")


def _item_of(frame: Frame) -> str | None:
    """The update or comment a frame shows (read from its ``data:`` line)."""
    for line in frame.data.split(b"\n"):
        if line.startswith(b"data: "):
            message = orjson.loads(line[6:])
            shown = message.get("update") or message.get("comment") or {}
            found = message.get("comment_id") or shown.get("id")
            return str(found) if found else None
    return None


class Channel:
    """The recent frames of one article (or of the whole site) and the readers that follow them."""

    __slots__ = ("frames", "let_go", "readers", "slug")

    def __init__(self, slug: str | None, let_go: int) -> None:
        self.slug = slug
        self.frames: list[Frame] = []
        self.let_go = let_go  # the newest position no longer kept: a reader behind it missed frames
        self.readers: set[Subscriber] = set()

    def append(self, frame: Frame, limit: int) -> None:
        self.frames.append(frame)
        if len(self.frames) > limit:
            self.let_go = self.frames[-limit - 1].position
            del self.frames[:-limit]

    def after(self, position: int) -> list[Frame]:
        return self.frames[bisect_right(self.frames, position, key=_position) :]

    def withdraw(self, slug: str, item: str | None) -> None:
        """Drops the frames still waiting for slow readers that show ``item`` of the story (every frame of
        the story when None): it was hidden, erased or withdrawn since, and what readers are sent is what
        may be seen now. The message saying so follows, so nobody misses the change itself."""
        if item is None:
            self.frames = [frame for frame in self.frames if frame.slug != slug]
            return
        marker = item.encode()
        self.frames = [
            frame
            for frame in self.frames
            if frame.slug != slug or marker not in frame.data or _item_of(frame) != item
        ]

    def forget_sent(self) -> None:
        """Lets go of the frames every reader has sent (all of them when nobody reads)."""
        if not self.frames:
            return
        through = min((reader.cursor for reader in self.readers), default=self.frames[-1].position)
        kept = bisect_right(self.frames, through, key=_position)
        if kept:
            self.let_go = max(self.let_go, self.frames[kept - 1].position)
            del self.frames[:kept]

    def wake(self) -> None:
        for reader in self.readers:
            reader.wake()


class Subscriber:
    """One reader: a cursor into its channel, and a future only while it waits. As a context manager, it
    leaves its hub however the stream ends."""

    # Kept small: there is one per reader, thousands per process.
    __slots__ = ("_hub", "_waiter", "channel", "cursor", "cut_off", "sending_since", "task", "written_at")

    def __init__(self, hub: Hub, channel: Channel, cursor: int, now: float) -> None:
        self._hub = hub
        self.channel = channel
        self.cursor = cursor  # the newest position this reader has sent (or did not need)
        self._waiter: asyncio.Future[None] | None = None
        # For the watchdog: when the current write began (None between writes), when the last one did,
        # and the task writing.
        self.sending_since: float | None = None
        self.written_at = now
        self.task: asyncio.Task[object] | None = None
        self.cut_off = False

    def __enter__(self) -> Subscriber:
        return self

    def __exit__(self, *_: object) -> None:
        self._hub.unsubscribe(self)

    def fresh(self) -> list[Frame] | None:
        """The frames after the cursor, moving it past them; None when some were let go unsent."""
        channel = self.channel
        if self.cursor < channel.let_go:
            self._hub.overflowed()
            return None
        frames = channel.after(self.cursor)
        if frames:
            self.cursor = frames[-1].position
        return frames

    def skip_to(self, position: int) -> None:
        """Everything up to ``position`` was sent another way (the timeline catch-up)."""
        self.cursor = max(self.cursor, position)

    def wait(self) -> asyncio.Future[None]:
        """Done when a frame may have arrived, a heartbeat is due, or the hub closes. (A future, not a
        coroutine: the reader awaits it directly, with no frame of its own kept while it waits.)"""
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        if self._hub.closing:
            waiter.set_result(None)
        return waiter

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():  # a reader cancelled while waiting leaves a cancelled future
                waiter.set_result(None)


class Hub:
    def __init__(self, limit: int = 1024, finish: Callable[[TimelineItem], TimelineItem] = as_it_is) -> None:
        """``finish`` completes a message before it is framed, once for all readers (the web app adds the
        HTML of its fragment)."""
        self.limit = limit
        self._finish = finish
        self._site = Channel(None, 0)
        self._articles: dict[str, Channel] = {}
        self.last_position = 0  # the newest position dispatched: live items at or below it are repeats
        self.readers = 0
        self.delivered = 0
        self.dropped = 0
        self.closing = False

    def subscribe(self, slug: str | None) -> Subscriber:
        """A new reader, from the newest position dispatched on: ``with hub.subscribe(slug) as reader:``
        (a class, not a generator-based context manager, whose frame would be kept for the whole stream)."""
        if slug is None:
            channel = self._site
        elif (found := self._articles.get(slug)) is not None:
            channel = found
        else:  # a new channel has no frames yet: a reader behind the hub's position missed some
            channel = self._articles[slug] = Channel(slug, self.last_position)
        subscriber = Subscriber(self, channel, self.last_position, asyncio.get_running_loop().time())
        channel.readers.add(subscriber)
        self.readers += 1
        OPEN_STREAMS.inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        OPEN_STREAMS.dec()
        self.readers -= 1
        channel = subscriber.channel
        channel.readers.discard(subscriber)
        if not channel.readers and channel.slug is not None:
            del self._articles[channel.slug]

    def overflowed(self) -> None:
        self.dropped += 1
        SLOW_READERS_DROPPED.inc()

    def dispatch(self, items: Iterable[TimelineItem], *, pushed: bool = True) -> None:
        """Hands new items to their readers, in position order; repeats are ignored. Event-loop only."""
        delivered = self.delivered
        touched: set[Channel] = set()
        for item in items:
            if item.position <= self.last_position:
                continue
            self.last_position = item.position
            if item.kind in live_kinds.WITHDRAWING:
                self._withdraw(item)
            frame = self.frame(item)
            if pushed:  # a catch-up's items are old news: they would skew the push latency
                observe_dispatch(item.data)
            for channel in (self._site, self._articles.get(item.slug)):
                if channel is not None:
                    channel.append(frame, self.limit)
                    self.delivered += len(channel.readers)
                    touched.add(channel)
        for channel in touched:
            channel.wake()
        MESSAGES_FANNED_OUT.inc(self.delivered - delivered)

    def _withdraw(self, item: TimelineItem) -> None:
        message = orjson.loads(item.data)
        shown = message.get("update") or message.get("comment") or {}
        target = (
            None if item.kind == live_kinds.WITHDRAWN.name else (message.get("comment_id") or shown.get("id"))
        )
        for channel in (self._site, self._articles.get(item.slug)):
            if channel is not None:
                channel.withdraw(item.slug, target)

    def frame(self, item: TimelineItem) -> Frame:
        """The item's frame, to send to a reader as it is."""
        return frame_of(self._finish(item))

    def channels(self) -> Iterator[Channel]:
        yield self._site
        yield from self._articles.values()

    def tick(self, now: float, send_timeout: float, heartbeat: float) -> None:
        """The watchdog's periodic work, for every reader at once (see ``watch``)."""
        for channel in self.channels():
            channel.forget_sent()
            for subscriber in channel.readers:  # cancelling and waking change no channel until later
                since = subscriber.sending_since
                if since is not None:
                    # Stuck in a write for too long, or stuck at all once frames it has not sent were let
                    # go (it must resume with Last-Event-ID anyway): cut off now, not when the write ends.
                    stuck = now - since > send_timeout or subscriber.cursor < channel.let_go
                    if stuck and subscriber.task is not None and not subscriber.cut_off:
                        subscriber.cut_off = True
                        self.overflowed()
                        subscriber.task.cancel()
                elif now - subscriber.written_at >= heartbeat:
                    subscriber.wake()  # woken with nothing new, its stream sends a heartbeat

    async def watch(self, send_timeout: float, heartbeat: float, every: float = 1.0) -> None:
        """One task for the whole process instead of timers per reader: at thousands of readers, arming and
        disarming a timer around every write or wait cost as much CPU as the writes themselves (py-spy), and
        each armed timer held half a kilobyte per reader (tracemalloc)."""
        loop = asyncio.get_running_loop()
        every = min(every, heartbeat / 2)
        while not self.closing:
            await asyncio.sleep(every)
            self.tick(loop.time(), send_timeout, heartbeat)

    def close(self) -> None:
        """Wakes every reader so streams notice the shutdown at once."""
        self.closing = True
        for channel in self.channels():
            channel.wake()
