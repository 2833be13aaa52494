"""What each read model is handed from a batch: only its topics, only after its position, parsed once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from newsroom import Newsroom, Principal, Role
from newsroom.article import ARTICLE_TOPICS
from newsroom.staff import OPERATOR
from projections.documents import Documents, Table, TimelineItem
from projections.projector import Projector
from projections.records import Recorded
from projections.sqlstore import Work


class Seen:
    """A read model that keeps what it was given."""

    tables: tuple[Table, ...] = ()

    def __init__(self, name: str, topics: frozenset[str] | None) -> None:
        self.name = name
        self.topics = topics

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        return iter(())

    def apply(self, docs: Documents, events: Sequence[Recorded]) -> None:
        raise AssertionError("the store under test applies nothing")


class Batches:
    """Stands in for the read-model tables: keeps each batch's work and moves the positions on."""

    def __init__(self, positions: dict[str, int]) -> None:
        self.at = dict(positions)
        self.work: list[Work] = []

    def positions(self, names: Sequence[str], suffix: str = "") -> dict[str, int]:
        return {name: self.at[name] for name in names}

    def process(self, work: Sequence[Work], last: int, suffix: str = "") -> list[TimelineItem]:
        self.work.extend(work)
        for projection, _, _ in work:
            self.at[projection.name] = last
        return []

    def beat(self, at_ms: int) -> None:
        self.beats = getattr(self, "beats", 0) + 1


@pytest.fixture
def app() -> Iterator[Newsroom]:
    newsroom = Newsroom.from_url("memory:")
    editor: Principal = newsroom.authenticate(newsroom.add_staff("eddie", Role.EDITOR, by=OPERATOR)[1])
    newsroom.draft_article(slug="gate", headline="Gate", body="Shut.", byline_name="Kit", by=editor)
    newsroom.add_staff("mo", Role.MODERATOR, by=OPERATOR)  # a record no article read model reads
    newsroom.publish("gate", by=editor)
    newsroom.add_comment("gate", author="Lea", body="Open it.")
    yield newsroom
    newsroom.close()


def handed(app: Newsroom, models: list[Seen], positions: dict[str, int]) -> dict[str, list[Any]]:
    store = Batches(positions)
    Projector(app, store, models, batch_size=2).catch_up()  # type: ignore[arg-type]
    given: dict[str, list[Any]] = {model.name: [] for model in models}
    for projection, events, _ in store.work:
        given[projection.name].extend(events)
    return given


def test_each_read_model_gets_its_topics_only_and_every_record_once(app: Newsroom) -> None:
    records = app.recorder.select_notifications(start=1, limit=100)
    articles = Seen("articles", ARTICLE_TOPICS)
    comments = Seen("comments", frozenset({"newsroom:Article.CommentAdded"}))
    everything = Seen("everything", None)
    for models in ([articles, everything], [articles, comments], [articles], [comments, everything]):
        given = handed(app, models, dict.fromkeys((m.name for m in models), 0))
        parsed = frozenset().union(*(m.topics for m in models if m.topics is not None))
        for model in models:
            expected = [r.id for r in records if model.topics is None or r.topic in model.topics]
            assert [event.position for event in given[model.name]] == expected, model.name
            for event in given[model.name]:
                # Parsed when a read model of the batch reads its topic; the stored bytes always there.
                assert event.stored
                assert bool(event.data) == (event.topic in parsed)


def test_a_read_model_ahead_of_the_others_gets_only_what_it_has_not_applied(app: Newsroom) -> None:
    records = app.recorder.select_notifications(start=1, limit=100)
    articles = Seen("articles", ARTICLE_TOPICS)
    behind = Seen("behind", ARTICLE_TOPICS)
    ahead = records[2].id
    given = handed(app, [articles, behind], {"articles": ahead, "behind": 0})
    article_records = [r.id for r in records if r.topic in ARTICLE_TOPICS]
    assert [e.position for e in given["behind"]] == article_records
    assert [e.position for e in given["articles"]] == [p for p in article_records if p > ahead]
