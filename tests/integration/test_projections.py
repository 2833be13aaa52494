"""Read models on SQLite and a real PostgreSQL: contents, order, exactly-once, rebuild, standby, gaps."""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from eventsourcing.persistence import IntegrityError

from newsroom import Newsroom, Principal, Role
from newsroom.demo import DEMO_SLUG, load_demo
from projections.catch_up import CatchUp
from projections.documents import Table, TimelineItem
from projections.projector import Projector, run_projector
from projections.rebuild import rebuild
from projections.records import Recorded
from projections.registry import ALL_PROJECTIONS, BY_NAME, ReadModels, open_read_models
from tests.conftest import add_staff
from tests.services import create_schema, execute, postgres_url


@pytest.fixture
def app(sql_url: str) -> Iterator[Newsroom]:
    newsroom = Newsroom.from_url(sql_url)
    yield newsroom
    newsroom.close()


@pytest.fixture
def store(app: Newsroom) -> ReadModels:
    return open_read_models(app)


@pytest.fixture
def projector(app: Newsroom, store: ReadModels) -> Projector:
    return Projector(app, store, batch_size=7)  # small batches: many batch boundaries


@pytest.fixture
def editor(app: Newsroom) -> Principal:
    return add_staff(app, "eddie", Role.EDITOR)[0]


def caught_up(store: ReadModels, *, after: int = 0, slug: str | None = None) -> list[dict[str, object]]:
    """What a reader resuming after ``after`` is sent, decoded."""
    catch_up = CatchUp(store, after, slug, page=3)  # small pages: many page boundaries
    messages = []
    while (page := catch_up.next_page()) is not None:
        messages.extend(orjson.loads(message.data) for message in page)
    return messages


def announced(projector: Projector) -> list[TimelineItem]:
    """Collects what the projector tells live readers from now on."""
    told: list[TimelineItem] = []
    projector.listeners.append(lambda items, previous: told.extend(items))
    return told


def draft_and_publish(app: Newsroom, editor: Principal, slug: str, tags: list[str] | None = None) -> None:
    app.draft_article(
        slug=slug, headline=f"Story {slug}", body="Body.", byline_name="Kit", tags=tags, by=editor
    )
    app.publish(slug, by=editor)


def test_article_page_has_everything_a_reader_needs(
    app: Newsroom, store: ReadModels, projector: Projector
) -> None:
    load_demo(app)
    projector.catch_up()
    page = store.article_page(DEMO_SLUG)
    assert page is not None
    events = list(app.article_events(DEMO_SLUG))
    assert page["version"] == len(events)
    assert page["position"] == app.last_position()
    assert page["status"] == "published"
    assert page["byline"]["bio"].startswith("Ines Farrow covers")
    assert [embed["kind"] for embed in page["embeds"]] == ["map"]
    assert len(page["related"]) == 2
    assert page["tags"] == ["flooding", "eastbrook", "varne-valley"]
    assert "about 160 residents" in page["body"]
    assert page["corrections"][0]["note"].startswith("An earlier version understated")
    labels = [update["label"] for update in page["updates"]]
    assert labels == ["Wed., 7:10 a.m.", "Wed., 1:45 p.m.", "Thu., 9:30 a.m."]
    assert page["pinned"] == [page["updates"][-1]["id"]]
    authors = [comment["author"] for comment in page["comments"]]
    assert "quickcash_offers" not in authors  # hidden comments are left out of the page
    assert len(authors) == 6
    assert page["comment_count"] == 6
    replies = [comment for comment in page["comments"] if comment["reply_to"]]
    assert {reply["reply_to"] for reply in replies} <= {comment["id"] for comment in page["comments"]}
    assert all("hidden" not in comment for comment in page["comments"])


def test_update_revisions_strikes_and_pins_show_on_the_page(
    app: Newsroom, store: ReadModels, projector: Projector, editor: Principal
) -> None:
    told = announced(projector)
    draft_and_publish(app, editor, "road-works")
    first = app.append_update("road-works", body="Lane 1 closed.", label="9:00", by=editor).id
    second = app.append_update("road-works", body="Lane 2 closed.", label="10:00", by=editor).id
    assert first is not None and second is not None
    app.revise_update("road-works", first, body="Lanes 1 and 3 closed.", note="Added lane 3.", by=editor)
    app.strike_update("road-works", second, reason="Lane 2 stayed open.", by=editor)
    app.pin_update("road-works", first, by=editor)
    projector.catch_up()
    page = store.article_page("road-works")
    assert page is not None
    updates = {update["id"]: update for update in page["updates"]}
    assert updates[first.hex]["body"] == "Lanes 1 and 3 closed."
    assert updates[first.hex]["revision_note"] == "Added lane 3."
    assert updates[second.hex]["struck"] is True
    assert updates[second.hex]["struck_reason"] == "Lane 2 stayed open."
    assert page["pinned"] == [first.hex]
    kinds = [item.kind for item in told]
    assert kinds == [
        "article-published",
        "update-appended",
        "update-appended",
        "update-revised",
        "update-struck",
        "update-pinned",
    ]
    # A reader resuming from the start gets each item once, as it is now, at its latest change.
    resumed = caught_up(store, slug="road-works")
    assert [m["kind"] for m in resumed] == ["article-published", "update-struck", "update-pinned"]
    assert resumed[2]["update"]["body"] == "Lanes 1 and 3 closed."


def test_front_page_is_most_recently_active_first_and_paginated(
    app: Newsroom, store: ReadModels, projector: Projector, editor: Principal
) -> None:
    for slug in ("alpha", "bravo", "charlie", "delta"):
        draft_and_publish(app, editor, slug, tags=["city"] if slug != "delta" else ["sport"])
    app.draft_article(slug="draft-only", headline="Not yet", body="B", byline_name="K", by=editor)
    app.append_update("alpha", body="News on alpha", by=editor)  # moves alpha up
    app.add_comment("bravo", author="Lea", body="Hi")  # then bravo above it
    app.unpublish("charlie", reason="Legal review", by=editor)
    projector.catch_up()

    order = [summary["slug"] for summary in store.front_page(limit=10)]
    assert order == ["bravo", "alpha", "delta"]  # no draft, no unpublished story
    first_page = store.front_page(limit=2)
    assert [s["slug"] for s in first_page] == ["bravo", "alpha"]
    rest = store.front_page(limit=2, before=first_page[-1]["activity"])
    assert [s["slug"] for s in rest] == ["delta"]
    assert [s["slug"] for s in store.front_page(limit=10, tag="city")] == ["bravo", "alpha"]
    assert [s["slug"] for s in store.front_page(limit=10, tag="sport")] == ["delta"]
    bravo = store.front_page(limit=1)[0]
    assert (bravo["comment_count"], bravo["update_count"]) == (1, 0)
    assert store.front_page(limit=10)[1]["latest_update"]["excerpt"] == "News on alpha"


def test_moderation_view_shows_hidden_comments_with_who_and_why(
    app: Newsroom, store: ReadModels, projector: Projector, editor: Principal
) -> None:
    draft_and_publish(app, editor, "market")
    moderator, _ = add_staff(app, "mo", Role.MODERATOR)
    comment = app.add_comment("market", author="Spammer", body="Buy now").id
    assert comment is not None
    app.add_comment("market", author="Lea", body="Nice market")
    app.hide_comment("market", comment, reason="Advertising", by=moderator)
    projector.catch_up()
    hidden = store.moderation(hidden_only=True)
    assert [(c["author"], c["hidden_by"], c["hidden_reason"]) for c in hidden] == [
        ("Spammer", "staff:mo", "Advertising")
    ]
    assert len(store.moderation(slug="market")) == 2
    app.restore_comment("market", comment, reason="Appeal upheld", by=moderator)
    projector.catch_up()
    restored = next(c for c in store.moderation(slug="market") if c["author"] == "Spammer")
    assert restored["hidden"] is False
    assert [act["act"] for act in restored["acts"]] == ["hidden", "restored"]
    page = store.article_page("market")
    assert page is not None
    assert {c["author"] for c in page["comments"]} == {"Spammer", "Lea"}


def test_drafts_never_reach_readers(
    app: Newsroom, store: ReadModels, projector: Projector, editor: Principal
) -> None:
    told = announced(projector)
    app.draft_article(slug="embargoed", headline="Embargoed", body="Secret.", byline_name="K", by=editor)
    app.edit_article("embargoed", headline="Still embargoed", by=editor)
    projector.catch_up()
    assert caught_up(store) == []
    assert told == []
    app.publish("embargoed", by=editor)
    projector.catch_up()
    (published,) = caught_up(store)
    assert published["kind"] == "article-published"
    assert published["article"]["headline"] == "Still embargoed"  # type: ignore[index]
    assert published["position"] == app.last_position()
    assert [item.kind for item in told] == ["article-published"]


def test_each_batch_is_applied_exactly_once(app: Newsroom, store: ReadModels, editor: Principal) -> None:
    draft_and_publish(app, editor, "ferry")
    notifications = app.recorder.select_notifications(start=1, limit=100)
    projection = BY_NAME["article-pages"]
    items = [
        Recorded(n.id, n.originator_id.hex, n.originator_version, n.topic, n.state, orjson.loads(n.state))
        for n in notifications
        if n.topic in projection.topics
    ]
    last = notifications[-1].id
    store.process([(projection, items, 0)], last)
    with pytest.raises(IntegrityError):  # the same batch again: the read model is no longer at 0
        store.process([(projection, items, 0)], last)
    with pytest.raises(IntegrityError):  # a batch that claims to start further on than the read model is
        store.process([(projection, [], last + 1)], last + 5)
    front = BY_NAME["front-page"]
    with pytest.raises(IntegrityError):  # read models go together: one stale position keeps nothing of any
        store.process([(front, items, 0), (projection, items, 0)], last)
    assert store.positions(["front-page", "article-pages"]) == {"front-page": 0, "article-pages": last}
    assert store.front_page(limit=10) == []
    page = store.article_page("ferry")
    assert page is not None
    assert page["version"] == 2
    assert len(caught_up(store)) == 1


def test_rebuild_equals_the_incrementally_built_read_models(
    app: Newsroom, store: ReadModels, projector: Projector, editor: Principal
) -> None:
    load_demo(app)
    draft_and_publish(app, editor, "second-story", tags=["city"])
    projector.catch_up()
    live = {p.name: store.dump(p) for p in ALL_PROJECTIONS}
    for projection in ALL_PROJECTIONS:
        report = rebuild(app, store, projection, batch_size=5)
        assert report.events == app.last_position()
        assert store.dump(projection) == live[projection.name]
        assert store.position(projection.name) == app.last_position()
    # After a rebuild the live projector carries on from the rebuilt position.
    app.append_update("second-story", body="After the rebuild", by=editor)
    projector.catch_up()
    page = store.article_page("second-story")
    assert page is not None
    assert page["updates"][-1]["body"] == "After the rebuild"


def test_rebuild_while_a_live_projector_runs_loses_nothing(
    app: Newsroom, store: ReadModels, editor: Principal
) -> None:
    draft_and_publish(app, editor, "busy")
    stop = threading.Event()
    live = Projector(app, store, batch_size=3, poll_interval=0.02)
    runner = threading.Thread(target=live.run, args=(stop,))
    runner.start()
    writer_done = threading.Event()

    def write() -> None:
        for i in range(60):
            app.append_update("busy", body=f"update {i}", by=editor)
        writer_done.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        rebuild(app, store, BY_NAME["article-pages"], batch_size=4)
        writer.join()
        assert store.wait_for(app.last_position(), timeout=10)
    finally:
        stop.set()
        live.wake.set()
        runner.join()
    page = store.article_page("busy")
    assert page is not None
    assert [u["body"] for u in page["updates"]] == [f"update {i}" for i in range(60)]
    live_dump = store.dump(BY_NAME["article-pages"])
    rebuild(app, store, BY_NAME["article-pages"])
    assert store.dump(BY_NAME["article-pages"]) == live_dump


def test_a_rebuild_waits_out_another_writer_holding_the_sqlite_lock(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another process rebuilding a big read model holds SQLite's one write lock while it indexes, longer
    than a write waits for it (1 s here): the rebuild waits it out instead of failing half done."""
    path = tmp_path / "locked.sqlite3"
    app = Newsroom.from_url(f"sqlite:///{path}?lock_timeout=1")
    try:
        store = open_read_models(app)
        load_demo(app)
        Projector(app, store).catch_up()
        moderation = BY_NAME["moderation"]
        live = store.dump(moderation)
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as a long index build holds it
        release = threading.Timer(2.5, holder.execute, args=("COMMIT",))
        release.start()
        try:
            with caplog.at_level(logging.WARNING, logger="newsroom.rebuild"):
                report = rebuild(app, store, moderation)
        finally:
            release.join()
            holder.close()
        assert "rebuild waits for the store" in caplog.text
        assert report.events == app.last_position()
        assert store.dump(moderation) == live
    finally:
        app.close()


def test_read_your_writes_waits_for_the_projector(
    app: Newsroom, store: ReadModels, editor: Principal
) -> None:
    draft_and_publish(app, editor, "quick")
    position = app.append_update("quick", body="Now", by=editor).position
    assert store.wait_for(position, timeout=0.05) is False  # nobody is projecting
    stop = threading.Event()
    projector = Projector(app, store, poll_interval=5.0)
    runner = threading.Thread(target=projector.run, args=(stop,))
    runner.start()
    try:
        position = app.append_update("quick", body="Again", by=editor).position
        assert store.wait_for(position, timeout=5)  # woken by the save, not by the 5 s poll
        page = store.article_page("quick")
        assert page is not None
        assert page["updates"][-1]["body"] == "Again"
    finally:
        stop.set()
        projector.wake.set()
        runner.join()


def test_a_second_projector_waits_as_standby_then_takes_over(app: Newsroom, store: ReadModels) -> None:
    first_stop, second_stop = threading.Event(), threading.Event()
    messages: list[str] = []
    first = Projector(app, store, poll_interval=0.05)
    second = Projector(app, open_read_models(app), poll_interval=0.05)
    runner = threading.Thread(target=run_projector, args=(first, first_stop), kwargs={"say": messages.append})
    runner.start()
    try:
        _wait_until(lambda: False, 0.2)  # let the first projector take the lock
        assert run_projector(second, second_stop, standby=False, say=messages.append) is False
        assert messages[-1] == "another projector is already running on this database; exiting"
        standby = threading.Thread(
            target=run_projector, args=(second, second_stop), kwargs={"say": messages.append}
        )
        standby.start()
        assert _wait_until(lambda: "waiting as a standby" in messages[-1], 5)
    finally:
        first_stop.set()
        first.wake.set()
        runner.join()
    try:
        assert _wait_until(lambda: "taking over" in messages[-1], 10)
        add_staff(app, "late", Role.EDITOR)
        assert store.wait_for(app.last_position(), timeout=10, projection="front-page")
    finally:
        second_stop.set()
        second.wake.set()
        standby.join()


def _wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.mark.postgres
def test_a_position_gap_from_a_failed_transaction_does_not_stall_the_projector(
    pg_database: str,
) -> None:
    schema = create_schema(pg_database)
    app = Newsroom.from_url(postgres_url(pg_database, schema))
    store = open_read_models(app)
    projector = Projector(app, store)
    editor, _ = add_staff(app, "eddie", Role.EDITOR)
    draft_and_publish(app, editor, "gap-story")
    projector.catch_up()

    stale = app.article("gap-story")
    app.append_update("gap-story", body="First", by=editor)
    stale.append_update(body="Lost race", label=None, actor=editor.actor)
    with pytest.raises(IntegrityError):
        app.save(stale)  # the failed insert consumed a position
    app.append_update("gap-story", body="After the gap", by=editor)

    ids = [
        row[0]
        for row in execute(
            pg_database, f'SELECT notification_id FROM "{schema}".newsroom_events ORDER BY notification_id'
        )
    ]
    assert any(b - a > 1 for a, b in itertools.pairwise(ids)), ids  # there really is a gap
    projector.catch_up()
    page = store.article_page("gap-story")
    assert page is not None
    assert [u["body"] for u in page["updates"]] == ["First", "After the gap"]
    assert store.position("article-pages") == ids[-1]
    app.close()


def test_empty_read_models_answer_empty(store: ReadModels) -> None:
    assert store.article_page("nothing-here") is None
    assert store.front_page(limit=5) == []
    assert caught_up(store) == []


def test_read_models_read_compressed_stores(sql_url: str) -> None:
    """Projections parse stored states themselves: a store written compressed must project the same."""
    app = Newsroom.from_url(sql_url, COMPRESSOR_TOPIC="eventsourcing.compressor:ZlibCompressor")
    try:
        load_demo(app)
        record = app.recorder.select_notifications(start=1, limit=1)[0]
        assert not record.state.startswith(b"{")  # really stored compressed
        store = open_read_models(app)
        Projector(app, store).catch_up()
        page = store.article_page(DEMO_SLUG)
        assert page is not None
        assert page["version"] == len(list(app.article_events(DEMO_SLUG)))
        assert page["pinned"] == [page["updates"][-1]["id"]]
    finally:
        app.close()


def test_a_read_model_of_an_older_version_is_emptied_and_rebuilt_from_the_log(
    app: Newsroom, store: ReadModels, projector: Projector
) -> None:
    load_demo(app)
    projector.catch_up()
    pages = BY_NAME["article-pages"]
    assert pages.version > 1
    # As a store written by the version before leaves it: its own tracking row, and a table it kept.
    with store.datastore.transaction(commit=True) as cursor:
        cursor.execute(
            store.sql(f"UPDATE {store.tracking_table} SET application_name = ? WHERE application_name = ?"),
            ("Newsroom/article-pages", store.tracking("article-pages")),
        )
        cursor.execute(f"CREATE TABLE {store.table(Table('timeline'))} (key TEXT PRIMARY KEY, doc TEXT)")
    again = open_read_models(app)
    assert again.position("article-pages") == 0
    assert again.article_page(DEMO_SLUG) is None  # emptied, not left half of one version and half the next
    assert again.position("front-page") == app.last_position()  # the others are untouched
    Projector(app, again).catch_up()
    page = again.article_page(DEMO_SLUG)
    assert page is not None and page["version"] == len(list(app.article_events(DEMO_SLUG)))
    with again.datastore.transaction(commit=False) as cursor:
        cursor.execute(store.sql(f"SELECT application_name FROM {store.tracking_table}"))
        names = {row["application_name"] for row in cursor.fetchall()}
    assert "Newsroom/article-pages" not in names
    with pytest.raises(Exception, match="timeline"), again.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT * FROM {store.table(Table('timeline'))}")


def test_a_stream_that_subscribes_after_its_first_read_still_gets_what_readers_were_told_in_between(
    app: Newsroom, store: ReadModels, projector: Projector, editor: Principal
) -> None:
    """Regression (found by bench/reconnect.py: 33 of 2,238 reconnecting readers each missed one update):
    a stream reads its first page before it subscribes to live frames; a change told live readers in
    between must come from the store."""
    draft_and_publish(app, editor, "gale")
    seen = app.append_update("gale", body="Gusts of 60 mph.", by=editor).position
    projector.catch_up()
    opening = store.live_opening(slug="gale", after=seen, limit=500)  # the stream's first read: nothing new
    catch_up = CatchUp(store, seen, "gale", opening=opening)
    between = app.append_update("gale", body="Gusts of 70 mph.", by=editor).position
    projector.catch_up()  # ...told live readers before this stream subscribed
    catch_up.read_again_after(between)  # the stream subscribes: the hub has dispatched up to here
    sent = []
    while (page := catch_up.next_page()) is not None:
        sent.extend(message.position for message in page)
    assert sent == [between]
    assert catch_up.through == between  # live frames up to it are skipped, later ones come live
