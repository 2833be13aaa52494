"""Every event type survives the store's encoding with its types intact, under a pinned topic."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import JSONTranscoder, Mapper
from eventsourcing.utils import get_topic, resolve_topic

from newsroom import Article, IdempotentRequest, Newsroom, Staff
from newsroom.bans import Bans
from newsroom.transcoding import OrjsonTranscoder

TRICKY_TEXT = 'Flood "update" <b>&</b> \\ 🌊 naïve\nsecond line\ttab'


def event_names() -> dict[type[Any], str]:
    """Every event class, with the name its pinned topic must give: ``Aggregate.Event``, whatever
    module defines the class."""
    found = {}
    for aggregate in (Article, Staff, IdempotentRequest, Bans):
        for name, value in vars(aggregate).items():
            if (
                isinstance(value, type)
                and issubclass(value, CanMutateAggregate)
                and name not in ("Event", "Created")
            ):
                found[value] = f"{aggregate.__name__}.{name}"
    return found


def event_classes() -> list[type[Any]]:
    return list(event_names())


def pinned(cls: type[Any]) -> str:
    return event_names()[cls]


def sample(annotation: Any) -> Any:
    if annotation is str:
        return TRICKY_TEXT
    if annotation is UUID:
        return uuid4()
    if annotation == UUID | None:
        return uuid4()
    if annotation == dict[str, str]:
        return {"name": "Ana Ruiz", "bio": TRICKY_TEXT}
    if annotation == list[str]:
        return ["floods", "rivers"]
    if annotation is int:
        return 42
    if annotation is bool:
        return True
    if annotation in (datetime, datetime | None):
        return datetime(2026, 1, 10, 9, 0, 0, 654321, tzinfo=UTC)
    if annotation == dict[str, Any]:
        return {"key": "seal/x/7", "box": TRICKY_TEXT, "when": datetime(2026, 1, 10, tzinfo=UTC)}
    raise AssertionError(f"no sample for {annotation}")


def make_event(cls: type[Any]) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {
        field.name: sample(hints[field.name])
        for field in dataclasses.fields(cls)
        if field.name not in ("originator_id", "originator_version", "timestamp", "originator_topic")
    }
    fields["originator_id"] = uuid4()
    fields["originator_version"] = 7
    # A non-UTC offset and microseconds make sure nothing is lost in the datetime.
    fields["timestamp"] = datetime(2026, 1, 10, 6, 40, 1, 123456, tzinfo=timezone(timedelta(hours=2)))
    if "originator_topic" in {field.name for field in dataclasses.fields(cls)}:
        owners = {"Article": Article, "Staff": Staff, "Bans": Bans}
        owner = owners.get(pinned(cls).split(".")[0], IdempotentRequest)
        fields["originator_topic"] = get_topic(owner)
    return cls(**fields)


def test_every_event_type_is_covered() -> None:
    names = {pinned(cls) for cls in event_classes()}
    # The spec's article vocabulary and scheduling, embargoes, coverage, authors, releases, key events,
    # readers' flags, approvals, pre-moderation and erasures; five staff events; idempotency keys; bans.
    assert len(names) == 20 + 12 + 5 + 1 + 4
    assert "Article.CommentAdded" in names and "Staff.TokenIssued" in names


@pytest.mark.parametrize("cls", event_classes(), ids=lambda cls: pinned(cls))
def test_round_trip_keeps_types_and_values(cls: type[Any]) -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    event = make_event(cls)
    stored = mapper.to_stored_event(event)
    assert stored.topic == f"newsroom:{pinned(cls)}"
    restored = mapper.to_domain_event(stored)
    assert type(restored) is cls
    assert restored == event
    for field in dataclasses.fields(cls):
        assert type(getattr(restored, field.name)) is type(getattr(event, field.name)), field.name


def test_optional_uuid_none_round_trips() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    event = dataclasses.replace(make_event(Article.CommentAdded), reply_to=None)
    assert mapper.to_domain_event(mapper.to_stored_event(event)) == event


def test_nested_values_round_trip() -> None:
    transcoder = OrjsonTranscoder()
    value = {
        "ids": [uuid4(), uuid4()],
        "deep": {
            "when": datetime.now(UTC),
            "amount": Decimal("10.50"),
            "list": [[1, 2], {"x": None}],
        },
        "tuple": (1, "two"),
        "text": TRICKY_TEXT,
    }
    restored = transcoder.decode(transcoder.encode(value))
    assert restored == {
        **value,
        "tuple": [1, "two"],
    }  # tuples come back as lists, as in the library


def test_compatible_with_the_library_json_transcoder() -> None:
    """Stores written by eventsourcing's own JSONTranscoder read back here and the other way round."""
    from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex

    library = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        library.register(transcoding)
    ours = OrjsonTranscoder()
    value = {"id": uuid4(), "at": datetime.now(UTC), "n": Decimal("1.5"), "s": TRICKY_TEXT}
    assert ours.decode(library.encode(value)) == value
    assert library.decode(ours.encode(value)) == value
    assert json.loads(ours.encode(value))["id"]["_type_"] == "uuid_hex"


def test_topics_are_pinned_and_resolve_through_the_package() -> None:
    for cls in event_classes():
        topic = get_topic(cls)
        assert topic == f"newsroom:{pinned(cls)}"
        assert resolve_topic(topic) is cls
    assert get_topic(Article) == "newsroom:Article"
    assert get_topic(Staff) == "newsroom:Staff"
    assert get_topic(IdempotentRequest) == "newsroom:IdempotentRequest"


def test_snapshot_state_round_trips(tmp_path: Any) -> None:
    app = Newsroom.from_url(f"sqlite:///{tmp_path}/s.sqlite3")
    from newsroom.staff import OPERATOR

    app.draft_article(slug="long", headline="Long", body="Body", byline_name="A", by=OPERATOR)
    app.publish("long", by=OPERATOR)
    for i in range(120):  # crosses the snapshot interval
        app.append_update("long", body=f"Update {i}", by=OPERATOR)
    assert app.snapshots is not None
    snapshots = list(app.snapshots.get(app.article("long").id, desc=True, limit=1))
    assert snapshots and snapshots[0].originator_version == 100
    fresh = Newsroom.from_url(f"sqlite:///{tmp_path}/s.sqlite3")
    rebuilt = fresh.article("long")
    assert rebuilt == app.article("long")
    assert isinstance(rebuilt.published_at, datetime)


def test_a_snapshot_taken_before_attributes_were_added_loads_with_their_first_values() -> None:
    """As the library upcasts: a version 1 snapshot (no ``class_version`` in its state) lacking attributes
    added since gets each one's first value, and the story takes commands again."""
    from eventsourcing.domain import Snapshot

    from newsroom.staff import OPERATOR

    app = Newsroom.from_url("memory:")
    app.draft_article(slug="old", headline="Old", body="Body", byline_name="A", by=OPERATOR)
    app.publish("old", by=OPERATOR)
    snapshot = Snapshot.take(app.article("old"))
    assert snapshot.state["class_version"] == 2
    old_state = {
        key: value
        for key, value in snapshot.state.items()
        if key not in ("class_version", "premoderated", "held_comments", "erased_items", "authors")
    }
    old = Snapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=old_state,
    )
    loaded = old.mutate(None)
    assert isinstance(loaded, Article)
    assert (loaded.premoderated, loaded.held_comments, loaded.erased_items, loaded.authors) == (
        False,
        {},
        {},
        [],
    )
    assert loaded.headline == "Old"
    loaded.append_update(body="Still running", actor="editor")
    assert loaded.update_count == 1
