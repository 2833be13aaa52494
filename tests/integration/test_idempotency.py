"""A retried request does not write twice, on every store."""

from __future__ import annotations

import threading

import pytest

from newsroom import Newsroom, Principal, RequestKey
from newsroom.idempotency import IdempotencyKeyReusedError


def key(scope: str, value: str, *body: str) -> RequestKey:
    return RequestKey.of(scope, value, "POST", "/api/articles/harbour-fire/updates", *body)


def test_a_retry_returns_the_first_answer_and_writes_nothing(
    app: Newsroom, editor: Principal, published: str
) -> None:
    request = key(editor.actor, "k-1", "Tugboats arrive")
    first = app.append_update(published, body="Tugboats arrive", by=editor, request=request)
    again = app.append_update(published, body="Tugboats arrive", by=editor, request=request)
    assert first.replayed is False
    assert again.replayed is True
    assert (again.version, again.position, again.id) == (first.version, first.position, first.id)
    assert app.article(published).update_count == 1


def test_a_retry_of_a_command_that_would_now_fail_still_replays(app: Newsroom, editor: Principal) -> None:
    app.draft_article(slug="night-bus", headline="Night bus returns", body="B", byline_name="K", by=editor)
    request = RequestKey.of(editor.actor, "publish-1", "POST", "/api/articles/night-bus/publish")
    first = app.publish("night-bus", by=editor, request=request)
    assert app.publish("night-bus", by=editor, request=request) == first.__class__(
        version=first.version, position=first.position, id=None, replayed=True
    )


def test_the_same_key_for_a_different_request_is_refused(
    app: Newsroom, editor: Principal, published: str
) -> None:
    app.append_update(published, body="One", by=editor, request=key(editor.actor, "k-2", "One"))
    with pytest.raises(IdempotencyKeyReusedError):
        app.append_update(published, body="Two", by=editor, request=key(editor.actor, "k-2", "Two"))
    assert app.article(published).update_count == 1


def test_keys_are_scoped_to_who_sent_them(app: Newsroom, editor: Principal, published: str) -> None:
    app.add_comment(published, author="Lea", body="Hi", request=key("client:a", "same", "Hi"))
    app.add_comment(published, author="Lea", body="Hi", request=key("client:b", "same", "Hi"))
    assert app.article(published).comment_count == 2


def test_concurrent_retries_write_once(app: Newsroom, editor: Principal, published: str) -> None:
    request = key(editor.actor, "race", "Breaking")
    receipts = []

    def send() -> None:
        receipts.append(app.append_update(published, body="Breaking", by=editor, request=request))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert app.article(published).update_count == 1
    assert len({(r.version, r.position, r.id) for r in receipts}) == 1
    assert sum(not r.replayed for r in receipts) == 1


def test_drafting_with_a_key_is_idempotent_too(app: Newsroom, editor: Principal) -> None:
    request = RequestKey.of(editor.actor, "draft-1", "POST", "/api/articles", "{}")
    first = app.draft_article(
        slug="tide-tables", headline="Tides", body="B", byline_name="K", by=editor, request=request
    )
    again = app.draft_article(
        slug="tide-tables", headline="Tides", body="B", byline_name="K", by=editor, request=request
    )
    assert again.replayed and again.position == first.position
