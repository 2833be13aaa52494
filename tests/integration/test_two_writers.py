"""Two applications on one store, as two web processes are: each caches what it last saved, so a command
may start from a copy another process has moved past. It must be judged by the article as stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

import newsroom.sign_in
from newsroom import Newsroom, Principal, Role, errors
from newsroom.staff import OPERATOR
from projections.postgres import EVENTS_CHANNEL
from tests.conftest import add_staff
from tests.services import PG_HOST, PG_PORT, PG_USER, create_schema, postgres_url


@pytest.fixture
def two(sql_url: str) -> Iterator[tuple[Newsroom, Newsroom]]:
    first, second = Newsroom.from_url(sql_url), Newsroom.from_url(sql_url)
    yield first, second
    first.close()
    second.close()


def _draft(app: Newsroom, editor: Principal, slug: str = "night-bus") -> str:
    app.draft_article(
        slug=slug, headline="Night buses return", body="From Friday.", byline_name="Ana", by=editor
    )
    return slug


def test_a_command_on_a_stale_copy_is_judged_by_the_stored_article(two: tuple[Newsroom, Newsroom]) -> None:
    a, b = two
    editor, _ = add_staff(a, "eddie", Role.EDITOR)
    slug = _draft(a, editor)  # a caches version 1: a draft
    b.publish(slug, by=editor)
    # Against its cached draft, a would say "not published"; the store says otherwise.
    update = a.append_update(slug, body="Route N4 runs every 20 minutes.", by=editor)
    assert update.version == 3
    # And a change b makes after that is applied on top, not refused or lost.
    assert b.append_update(slug, body="Route N7 too.", by=editor).version == 4
    assert [u.version for u in (a.article(slug), b.article(slug))] == [4, 4]


def test_a_rule_still_refuses_what_the_stored_article_refuses(two: tuple[Newsroom, Newsroom]) -> None:
    a, b = two
    editor, _ = add_staff(a, "eddie", Role.EDITOR)
    slug = _draft(a, editor)
    b.publish(slug, by=editor)
    with pytest.raises(errors.AlreadyPublishedError):
        a.publish(slug, by=editor)


def test_if_match_takes_the_version_another_process_made(two: tuple[Newsroom, Newsroom]) -> None:
    a, b = two
    editor, _ = add_staff(a, "eddie", Role.EDITOR)
    slug = _draft(a, editor)
    seen = b.edit_article(slug, headline="Night buses return on Friday", by=editor).version
    edited = a.edit_article(slug, headline="Night buses back", by=editor, expected_version=seen)
    assert edited.version == seen + 1
    with pytest.raises(errors.VersionConflictError) as caught:
        b.edit_article(slug, headline="Stale", by=editor, expected_version=seen)
    assert caught.value.current_version == seen + 1


def test_a_token_revoked_elsewhere_stops_working_within_the_recheck_time(
    two: tuple[Newsroom, Newsroom], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newsroom.sign_in, "STAFF_RECHECK_SECONDS", 0.2)
    a, b = two
    _, token = add_staff(a, "eddie", Role.EDITOR)
    assert a.authenticate(token).name == "eddie"
    assert a.known_principal(token) is not None  # checked just now: answered from memory
    b.deactivate_staff("eddie", by=OPERATOR)
    time.sleep(0.3)
    assert a.known_principal(token) is None  # too old to trust: the store is asked
    with pytest.raises(errors.AuthenticationError):
        a.authenticate(token)


def test_a_token_revoked_in_the_same_process_stops_working_at_once(two: tuple[Newsroom, Newsroom]) -> None:
    a, _ = two
    _, token = add_staff(a, "eddie", Role.EDITOR)
    a.authenticate(token)
    a.deactivate_staff("eddie", by=OPERATOR)
    with pytest.raises(errors.AuthenticationError):
        a.known_principal(token)


@pytest.mark.postgres
def test_saves_take_the_events_table_lock_so_positions_commit_in_order(pg_database: str) -> None:
    """A save takes the events table's EXCLUSIVE lock: positions are handed out one transaction at a time,
    so a reader tailing the log never passes over one that commits later. ROW SHARE held elsewhere lets a
    plain insert through but not that lock."""
    schema = create_schema(pg_database)
    app = Newsroom.from_url(postgres_url(pg_database, schema))
    editor, _ = add_staff(app, "eddie", Role.EDITOR)
    saved = threading.Event()
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=pg_database) as holder:
        holder.execute(f'LOCK TABLE "{schema}".newsroom_events IN ROW SHARE MODE')
        writer = threading.Thread(target=lambda: (_draft(app, editor), saved.set()))
        writer.start()
        assert not saved.wait(0.5), "the save did not wait for the table lock"
        holder.commit()
    assert saved.wait(10)
    writer.join()
    app.close()


@pytest.mark.postgres
def test_a_save_notifies_the_channel_the_projector_listens_on(pg_database: str) -> None:
    app = Newsroom.from_url(postgres_url(pg_database, create_schema(pg_database)))
    editor, _ = add_staff(app, "eddie", Role.EDITOR)
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=pg_database, autocommit=True
    ) as listener:
        listener.execute(f"LISTEN {EVENTS_CHANNEL}")
        _draft(app, editor)
        heard = list(listener.notifies(timeout=5, stop_after=1))
    assert [note.channel for note in heard] == [EVENTS_CHANNEL]
    app.close()
