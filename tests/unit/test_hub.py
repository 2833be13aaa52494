"""The hub's dense parts: shared bounded channels, cursors, heartbeat wake-ups, and the send watchdog."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import orjson

from projections.documents import TimelineItem
from web.fanout.hub import Frame, Hub


def item(position: int, slug: str = "tide") -> TimelineItem:
    return TimelineItem(position, slug, "update-appended", b'{"at":"2026-01-10T06:40:00+00:00"}')


def positions(frames: list[Frame] | None) -> list[int] | None:
    return None if frames is None else [frame.position for frame in frames]


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def test_a_reader_that_falls_behind_is_dropped_and_the_others_are_not() -> None:
    async def scenario() -> None:
        hub = Hub(limit=3)
        with hub.subscribe("tide") as slow, hub.subscribe(None) as fast:
            for position in range(1, 5):
                hub.dispatch([item(position)])
                assert positions(fast.fresh()) == [position]
            assert hub.delivered == 8  # each frame was handed to both readers
            assert slow.fresh() is None  # frame 1 was let go before the slow reader sent it
            assert hub.dropped == 1
            hub.dispatch([item(4), item(3)])  # repeats are ignored: nothing new for anyone
            assert fast.fresh() == []

    run(scenario)


def test_each_reader_gets_only_its_articles_frames_from_where_it_joined() -> None:
    async def scenario() -> None:
        hub = Hub()
        hub.dispatch([item(1, "tide"), item(2, "dam")])
        with hub.subscribe("tide") as tide, hub.subscribe(None) as site:
            assert tide.fresh() == [] and site.fresh() == []  # earlier frames are the timeline's to give
            hub.dispatch([item(3, "tide"), item(4, "dam"), item(5, "tide")])
            assert positions(tide.fresh()) == [3, 5]
            assert positions(site.fresh()) == [3, 4, 5]
            tide.skip_to(7)  # a catch-up from the timeline already sent up to 7
            hub.dispatch([item(6, "tide"), item(7, "tide"), item(8, "tide")])
            assert positions(tide.fresh()) == [8]

    run(scenario)


def test_a_waiting_reader_is_woken_by_a_frame_for_it_and_not_by_others() -> None:
    async def scenario() -> None:
        hub = Hub()
        with hub.subscribe("tide") as reader:
            waiting = reader.wait()
            await asyncio.sleep(0)
            hub.dispatch([item(1, "dam")])
            await asyncio.sleep(0.01)
            assert not waiting.done()
            hub.dispatch([item(2, "tide")])
            await asyncio.wait_for(waiting, 1)
            assert positions(reader.fresh()) == [2]

    run(scenario)


def test_the_watchdog_lets_go_of_sent_frames_and_wakes_quiet_readers_for_a_heartbeat() -> None:
    async def scenario() -> None:
        hub = Hub()
        loop = asyncio.get_running_loop()
        with hub.subscribe("tide") as ahead, hub.subscribe("tide") as behind:
            hub.dispatch([item(1), item(2), item(3)])
            assert positions(ahead.fresh()) == [1, 2, 3]
            behind.skip_to(1)
            hub.tick(loop.time(), send_timeout=30, heartbeat=15)
            assert positions(behind.fresh()) == [2, 3]  # kept for the reader that had not sent them
            hub.tick(loop.time(), send_timeout=30, heartbeat=15)
            assert ahead.channel.frames == []  # both sent them: let go, and nobody counts as behind
            assert ahead.fresh() == [] and behind.fresh() == []

            waiting = ahead.wait()
            await asyncio.sleep(0)
            hub.tick(loop.time(), send_timeout=30, heartbeat=15)
            await asyncio.sleep(0.01)
            assert not waiting.done()  # not quiet for long enough yet
            hub.tick(loop.time() + 15, send_timeout=30, heartbeat=15)
            await asyncio.wait_for(waiting, 1)

    run(scenario)


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
            watchdog = asyncio.create_task(hub.watch(send_timeout=2, heartbeat=15, every=0.01))
            await asyncio.sleep(0.1)
            watchdog.cancel()
            assert stuck.cut_off and stuck.task.cancelled()
            assert not busy.cut_off and not busy.task.done()
            assert not idle.cut_off and not idle.task.done()
            for subscriber in (busy, idle):
                assert subscriber.task is not None
                subscriber.task.cancel()

    run(scenario)


def test_closing_wakes_every_reader_and_the_last_reader_of_an_article_takes_its_channel() -> None:
    async def scenario() -> None:
        hub = Hub()
        with hub.subscribe("tide") as reader:
            assert hub.readers == 1
            waiting = reader.wait()
            await asyncio.sleep(0)
            hub.close()
            await asyncio.wait_for(waiting, 1)
        assert hub.readers == 0
        assert [channel.slug for channel in hub.channels()] == [None]  # only the site's is left

    run(scenario)


def message(position: int, kind: str, data: dict[str, Any], slug: str = "tide") -> TimelineItem:
    return TimelineItem(position, slug, kind, orjson.dumps(data))


def test_frames_of_an_item_hidden_or_erased_since_reach_no_slow_reader() -> None:
    async def scenario() -> None:
        hub = Hub()
        gone, kept, update = "a" * 32, "b" * 32, "c" * 32
        with hub.subscribe("tide") as slow, hub.subscribe(None) as site:
            hub.dispatch(
                [
                    message(1, "comment-added", {"comment": {"id": gone, "body": "Words to hide"}}),
                    message(
                        2, "comment-added", {"comment": {"id": kept, "reply_to": gone, "body": "A reply"}}
                    ),
                    message(3, "update-appended", {"update": {"id": update, "body": "Words to erase"}}),
                    message(4, "update-appended", {"update": {"id": "d" * 32}}, slug="dam"),
                ]
            )
            hub.dispatch([message(5, "comment-hidden", {"comment_id": gone})])
            hub.dispatch([message(6, "update-erased", {"update": {"id": update, "erased": True}})])
            assert positions(slow.fresh()) == [2, 5, 6]  # the reply stays; the hidden and erased words go
            assert positions(site.fresh()) == [2, 4, 5, 6]
            hub.dispatch([message(7, "update-appended", {"update": {"id": "e" * 32}})])
            hub.dispatch([message(8, "article-unpublished", {"reason": "Legal"})])
            assert positions(site.fresh()) == [8]  # nothing of a withdrawn story but that it was withdrawn

    run(scenario)
