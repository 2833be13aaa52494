"""Article changes decided on the event loop and saved in groups (web.commits), on SQLite and PostgreSQL.

What must hold whatever the grouping: every acknowledged change is stored once, with the version and
position its receipt says; changes to one article follow each other; and whatever the loop cannot decide
(a stale copy, an uncached article, a rule that says no, an idempotency key) is decided as stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from newsroom import Newsroom, Principal, Receipt, RequestKey, Role, commands
from newsroom.application import Prepared
from newsroom.commands import Command
from newsroom.errors import CommentsClosedError
from tests.conftest import add_staff
from web.commits import LoopCommits


class Counting(Newsroom):
    """The application, counting how the loop's writes reach the store."""

    name = "Newsroom"  # the library names tables after the application

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self.batches: list[int] = []
        self.executed: list[str] = []
        self.fail_next_save: Exception | None = None

    def save_prepared(self, batch: Sequence[Prepared]) -> list[Receipt]:
        self.batches.append(len(batch))
        if self.fail_next_save is not None:
            error, self.fail_next_save = self.fail_next_save, None
            raise error
        return super().save_prepared(batch)

    def execute(self, command: Command) -> Receipt:
        self.executed.append(command.name)
        return super().execute(command)


@pytest.fixture
def app(sql_url: str) -> Iterator[Counting]:
    newsroom = Counting.from_url(sql_url)
    assert isinstance(newsroom, Counting)
    yield newsroom
    newsroom.close()


@pytest.fixture
def editor(app: Counting) -> Principal:
    return add_staff(app, "eddie", Role.EDITOR)[0]


def publish_stories(app: Counting, editor: Principal, count: int) -> list[str]:
    slugs = [f"flood-{n}" for n in range(count)]
    for slug in slugs:
        app.draft_article(
            slug=slug, headline="River rising", body="Sandbags out.", byline_name="E", by=editor
        )
        app.publish(slug, by=editor)
    app.executed.clear()
    return slugs


def run(coroutine: Any) -> Any:
    async def with_pool() -> Any:  # the web app's blocking calls go to the loop's default pool
        return await coroutine

    return asyncio.run(with_pool())


def test_concurrent_appends_to_many_stories_are_saved_together(app: Counting, editor: Principal) -> None:
    slugs = publish_stories(app, editor, 6)
    commits = LoopCommits(app)

    async def scenario() -> list[Receipt]:
        return await asyncio.gather(
            *(
                commits.execute(commands.build(commands.AppendUpdate, slug, body=f"Gauge {n}", by=editor))
                for n in range(4)
                for slug in slugs
            )
        )

    receipts: list[Receipt] = run(scenario())
    assert app.executed == []  # every one decided on the loop
    assert sum(app.batches) == 24 and len(app.batches) < 24  # grouped
    for slug in slugs:
        article = app.article(slug)
        assert article.update_count == 4 and article.version == 6
    assert len({receipt.position for receipt in receipts}) == 24
    for receipt in receipts:
        assert receipt.id is not None and receipt.version in (3, 4, 5, 6)
    events = list(app.recorder.select_notifications(start=1, limit=1000))
    assert {receipt.position for receipt in receipts} <= {event.id for event in events}


def test_changes_to_one_story_follow_each_other(app: Counting, editor: Principal) -> None:
    (slug,) = publish_stories(app, editor, 1)
    commits = LoopCommits(app)

    async def scenario() -> list[Receipt]:
        return await asyncio.gather(
            *(
                commits.execute(commands.build(commands.AppendUpdate, slug, body=f"Reading {n}", by=editor))
                for n in range(10)
            )
        )

    receipts: list[Receipt] = run(scenario())
    assert app.executed == []
    assert sorted(receipt.version for receipt in receipts) == list(range(3, 13))
    assert max(app.batches) == 1  # never two changes to one article in a batch
    assert app.article(slug).update_count == 10


def test_a_copy_another_process_moved_past_is_decided_as_stored(
    app: Counting, editor: Principal, sql_url: str
) -> None:
    slugs = publish_stories(app, editor, 3)
    other = Newsroom.from_url(sql_url)
    try:
        other.append_update(slugs[0], body="From the other process", by=editor)  # this app's copy is stale
    finally:
        other.close()
    commits = LoopCommits(app)

    async def scenario() -> list[Receipt]:
        return await asyncio.gather(
            *(
                commits.execute(commands.build(commands.AppendUpdate, slug, body="Here", by=editor))
                for slug in slugs
            )
        )

    receipts: list[Receipt] = run(scenario())
    # The batch holding the stale copy was refused whole; each of its changes then went on its own.
    assert app.batches == [3] and sorted(app.executed) == ["append_update"] * 3
    assert [receipt.version for receipt in receipts] == [4, 3, 3]
    assert [app.article(slug).update_count for slug in slugs] == [2, 1, 1]


def test_what_the_loop_cannot_decide_goes_to_the_store(
    app: Counting, editor: Principal, sql_url: str
) -> None:
    (slug,) = publish_stories(app, editor, 1)
    fresh = Counting.from_url(sql_url)  # nothing cached: the first command reads the store
    assert isinstance(fresh, Counting)
    try:
        commits = LoopCommits(fresh)
        first = run(commits.execute(commands.build(commands.AppendUpdate, slug, body="One", by=editor)))
        second = run(commits.execute(commands.build(commands.AppendUpdate, slug, body="Two", by=editor)))
        assert (first.version, second.version) == (3, 4)
        assert fresh.executed == ["append_update"] and fresh.batches == [1]

        key = RequestKey.of("test", "key-1", "POST", f"/api/articles/{slug}/updates", b"x")
        keyed = commands.build(commands.AppendUpdate, slug, body="Once", by=editor, request=key)
        once, again = run(commits.execute(keyed)), run(commits.execute(keyed))
        assert again.replayed and (again.version, again.id) == (once.version, once.id)
        assert fresh.executed[1:] == ["append_update", "append_update"]

        # A rule that says no on the cached copy is asked again of the article as stored.
        fresh.close_comments(slug, by=editor)
        with pytest.raises(CommentsClosedError):
            run(commits.execute(commands.build(commands.AddComment, slug, author="Ann", body="Hello")))
        assert fresh.executed[-1] == "add_comment"
    finally:
        fresh.close()


def test_a_store_error_reaches_every_waiting_writer_and_frees_the_story(
    app: Counting, editor: Principal
) -> None:
    slugs = publish_stories(app, editor, 2)
    commits = LoopCommits(app)
    app.fail_next_save = OperationalError("the store went away")

    async def scenario() -> list[Any]:
        return await asyncio.gather(
            *(
                commits.execute(commands.build(commands.AppendUpdate, slug, body="Lost", by=editor))
                for slug in slugs
            ),
            return_exceptions=True,
        )

    outcomes = run(scenario())
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes)
    assert [app.article(slug).update_count for slug in slugs] == [0, 0]  # nothing half-written
    after = run(commits.execute(commands.build(commands.AppendUpdate, slugs[0], body="Back", by=editor)))
    assert after.version == 3 and app.article(slugs[0]).update_count == 1
