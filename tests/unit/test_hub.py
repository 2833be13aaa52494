"""The hub's dense parts: bounded buffers, heartbeat wake-ups, and the send watchdog."""

from __future__ import annotations

import asyncio

from projections.documents import TimelineItem
from web.fanout.hub import Hub


def item(position: int, slug: str = "tide") -> TimelineItem:
    return TimelineItem(position, slug, "update-appended", b'{"at":"2026-01-10T06:40:00+00:00"}')


def test_a_reader_that_falls_behind_is_dropped_and_the_others_are_not() -> None:
    async def scenario() -> None:
        hub = Hub(limit=3)
        with hub.subscribe("tide") as slow, hub.subscribe(None) as fast:
            for position in range(1, 5):
                hub.dispatch([item(position)])
                if position < 4:
                    assert [f.position for f in await fast.take()] == [position]
            assert slow.dropped and not fast.dropped
            assert [f.position for f in await fast.take()] == [4]
            assert hub.dropped == 1
            hub.dispatch([item(4), item(3)])  # repeats are ignored: nothing new is buffered
            assert await asyncio.wait_for(fast.take(0.01), 1) == []

    asyncio.run(scenario())


def test_take_returns_empty_after_its_timeout_for_a_heartbeat() -> None:
    async def scenario() -> None:
        hub = Hub()
        with hub.subscribe("tide") as reader:
            loop = asyncio.get_running_loop()
            started = loop.time()
            assert await reader.take(0.05) == []
            assert 0.04 <= loop.time() - started < 1

    asyncio.run(scenario())


def test_the_watchdog_cuts_off_only_a_write_stuck_too_long() -> None:
    async def scenario() -> None:
        hub = Hub()
        loop = asyncio.get_running_loop()
        with hub.subscribe("tide") as stuck, hub.subscribe("tide") as busy, hub.subscribe(None) as idle:
            stuck.task = asyncio.create_task(asyncio.sleep(60))
            busy.task = asyncio.create_task(asyncio.sleep(60))
            idle.task = asyncio.create_task(asyncio.sleep(60))
            stuck.sending_since = loop.time() - 5  # its write began 5 s ago
            busy.sending_since = loop.time()  # a write in progress, but a fresh one
            watchdog = asyncio.create_task(hub.watch_sends(timeout=2, every=0.01))
            await asyncio.sleep(0.1)
            watchdog.cancel()
            assert stuck.cut_off and stuck.task.cancelled()
            assert not busy.cut_off and not busy.task.done()
            assert not idle.cut_off and not idle.task.done()
            for subscriber in (busy, idle):
                assert subscriber.task is not None
                subscriber.task.cancel()

    asyncio.run(scenario())
