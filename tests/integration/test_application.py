"""The Newsroom application on the in-memory store, SQLite and a real PostgreSQL: the same tests for all."""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest

from newsroom import Article, Newsroom, Principal, Receipt, RequestKey, Role, errors
from newsroom.article import article_id
from newsroom.demo import DEMO_SLUG, load_demo
from newsroom.positions import position_of
from newsroom.staff import OPERATOR
from projections.history import article_history
from tests.conftest import add_staff


def test_commands_return_version_and_increasing_global_position(app: Newsroom, editor: Principal) -> None:
    drafted = app.draft_article(
        slug="tram-strike",
        headline="Tram drivers strike",
        body="No trams today.",
        byline_name="Noor",
        by=editor,
    )
    published = app.publish("tram-strike", by=editor)
    update = app.append_update("tram-strike", body="Buses replace line 3.", label="8:00", by=editor)
    assert (drafted.version, published.version, update.version) == (1, 2, 3)
    assert drafted.position < published.position < update.position
    assert update.position == app.last_position()
    assert isinstance(update.id, type(uuid4()))
    assert app.article("tram-strike").update_ids() == [update.id]
    assert app.article("tram-strike").update_state(update.id) == "live"


def test_slug_is_unique(app: Newsroom, editor: Principal, published: str) -> None:
    with pytest.raises(errors.SlugTakenError):
        app.draft_article(slug=published, headline="Again", body="B", byline_name="N", by=editor)


def test_unknown_article_is_not_found(app: Newsroom, editor: Principal) -> None:
    with pytest.raises(errors.ArticleNotFoundError):
        app.publish("no-such-story", by=editor)
    with pytest.raises(errors.ArticleNotFoundError):
        app.add_comment("no-such-story", author="Lea", body="Hi")


def test_stale_expected_version_is_a_conflict_carrying_the_current_version(
    app: Newsroom, editor: Principal, published: str
) -> None:
    seen = app.article(published).version
    app.edit_article(published, headline="Warehouse fire under control", by=editor, expected_version=seen)
    with pytest.raises(errors.VersionConflictError) as caught:
        app.edit_article(published, headline="Stale edit", by=editor, expected_version=seen)
    assert caught.value.current_version == seen + 1
    assert caught.value.details["current_version"] == seen + 1
    assert app.article(published).headline == "Warehouse fire under control"


def test_edit_changes_headline_and_body_atomically(app: Newsroom, editor: Principal, published: str) -> None:
    before = app.article(published).version
    with pytest.raises(errors.ValidationError):
        app.edit_article(published, headline="New headline", body="", by=editor)
    assert app.article(published).version == before  # nothing half-written
    receipt = app.edit_article(
        published,
        headline="New headline",
        body="New body.",
        correction_note="Time fixed.",
        by=editor,
    )
    assert receipt.version == before + 2
    events = list(app.article_events(published, after_version=before))
    assert [type(e) for e in events] == [Article.HeadlineChanged, Article.BodyRevised]
    assert events[1].correction_note == "Time fixed."  # type: ignore[attr-defined]


def test_roles_are_enforced_by_the_application(app: Newsroom, published: str) -> None:
    moderator, _ = add_staff(app, "mod", Role.MODERATOR)
    auditor, _ = add_staff(app, "aud", Role.AUDITOR)
    editor, _ = add_staff(app, "ed", Role.EDITOR)
    comment = app.add_comment(published, author="Lea", body="Hello")
    assert comment.id is not None
    for who in (moderator, auditor):
        with pytest.raises(errors.PermissionDeniedError):
            app.append_update(published, body="x", by=who)
    for who in (editor, auditor):
        with pytest.raises(errors.PermissionDeniedError):
            app.hide_comment(published, comment.id, reason="spam", by=who)
    with pytest.raises(errors.PermissionDeniedError):
        app.add_staff("newbie", Role.EDITOR, by=editor)
    app.hide_comment(published, comment.id, reason="Spam", by=moderator)
    events = list(app.article_events(published))
    assert events[-1].actor == "staff:mod"  # type: ignore[attr-defined]


def test_every_event_records_its_actor(app: Newsroom, published: str) -> None:
    """As auditors read the history: a commenter's name is sealed with their words, not in the event."""
    app.add_comment(published, author="Lea", body="Hello")
    actors = [record["actor"] for record in article_history(app, published, after_version=0, limit=10)]
    assert actors == ["staff:eddie", "staff:eddie", "reader:Lea"]
    stored = [event.actor for event in app.article_events(published)]  # type: ignore[attr-defined]
    assert stored == ["staff:eddie", "staff:eddie", "reader"]


def test_tokens_authenticate_and_can_be_revoked(app: Newsroom) -> None:
    principal, token = add_staff(app, "rita", Role.AUDITOR)
    assert principal.role is Role.AUDITOR
    with pytest.raises(errors.AuthenticationError):
        app.authenticate(token[:-2] + "xx")
    with pytest.raises(errors.AuthenticationError):
        app.authenticate(f"nr_{uuid4().hex}_secret")  # well-formed, unknown staff
    with pytest.raises(errors.StaffNameTakenError):
        app.add_staff("rita", Role.EDITOR, by=OPERATOR)
    _, new_token = app.issue_token("rita", by=OPERATOR)
    with pytest.raises(errors.AuthenticationError):
        app.authenticate(token)
    app.change_role("rita", Role.EDITOR, by=OPERATOR)
    assert app.authenticate(new_token).role is Role.EDITOR
    app.deactivate_staff("rita", by=OPERATOR)
    with pytest.raises(errors.AuthenticationError):
        app.authenticate(new_token)
    with pytest.raises(errors.StaffNotFoundError):
        app.issue_token("nobody", by=OPERATOR)


def test_article_as_it_stood_at_a_version(app: Newsroom, editor: Principal, published: str) -> None:
    app.edit_article(published, headline="Second headline", by=editor)
    assert app.article(published, version=1).headline == "Fire at the old harbour warehouse"
    assert app.article(published, version=1).status == "draft"
    assert app.article(published, version=3).headline == "Second headline"
    with pytest.raises(errors.VersionNotFoundError):
        app.article(published, version=99)
    with pytest.raises(errors.VersionNotFoundError):
        app.article(published, version=0)


def test_concurrent_appends_in_threads_lose_nothing(app: Newsroom, editor: Principal, published: str) -> None:
    per_thread, threads = 15, 4
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(per_thread):
                if i % 3:
                    app.append_update(published, body=f"writer {n} update {i}", by=editor)
                else:
                    app.add_comment(published, author=f"Reader {n}", body=f"comment {i}")
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    article = app.article(published)
    assert article.update_count + article.comment_count == per_thread * threads
    written = [
        e
        for e in app.article_events(published)
        if isinstance(e, Article.UpdateAppended | Article.CommentAdded)
    ]
    assert len(written) == per_thread * threads
    assert article.version == 2 + per_thread * threads


def test_writes_saved_together_each_get_their_own_version_position_and_key(
    app: Newsroom, editor: Principal
) -> None:
    """Many editors at once on several stories (group commit puts concurrent saves in one transaction):
    each receipt names the version its own command made and that event's global position, keyed retries
    still replay, and no story has a hole or a repeat in its versions."""
    slugs = [f"story-{n}" for n in range(4)]
    for slug in slugs:
        app.draft_article(slug=slug, headline="Rain", body="Rain.", byline_name="Desk", by=editor)
        app.publish(slug, by=editor)
    receipts: list[tuple[str, str, Receipt]] = []
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(12):
                slug, body = slugs[(n + i) % len(slugs)], f"writer {n} update {i}"
                key = RequestKey.of(f"writer-{n}", f"k{i}", body) if i % 4 == 0 else None
                receipt = app.append_update(slug, body=body, by=editor, request=key)
                receipts.append((slug, body, receipt))
                if key is not None:
                    assert app.append_update(slug, body=body, by=editor, request=key).replayed
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert len(receipts) == 8 * 12
    assert len({receipt.position for _, _, receipt in receipts}) == len(receipts)
    for slug, body, receipt in receipts:
        (event,) = app.article_events(slug, after_version=receipt.version - 1, up_to_version=receipt.version)
        assert isinstance(event, Article.UpdateAppended)
        assert app.text_of(event)["body"] == body  # type: ignore[index]
        assert position_of(app.recorder, article_id(slug), receipt.version) == receipt.position
    for slug in slugs:
        versions = [event.originator_version for event in app.article_events(slug)]
        assert versions == list(range(1, len(versions) + 1))
        assert len(versions) == 2 + sum(1 for s, _, _ in receipts if s == slug)


def test_the_demo_story_has_everything_a_running_story_has(app: Newsroom) -> None:
    result = load_demo(app)
    assert result.loaded and result.editor_token and result.moderator_token
    assert not load_demo(app).loaded  # loading twice adds nothing
    events = list(app.article_events(DEMO_SLUG))
    kinds = [type(event).__name__ for event in events]
    published_at = kinds.index("Published")
    assert kinds.count("UpdateAppended") >= 2
    assert all(i > published_at for i, k in enumerate(kinds) if k == "UpdateAppended")
    comments = [e for e in events if isinstance(e, Article.CommentAdded)]
    assert len(comments) >= 6
    assert len({app.text_of(c)["author"] for c in comments}) >= 4  # type: ignore[index]
    assert any(c.reply_to is not None for c in comments)
    hidden = [e for e in events if isinstance(e, Article.CommentHidden)]
    assert hidden and all(e.actor == "staff:demo-moderator" for e in hidden)
    assert any(isinstance(e, Article.EmbedAttached) and e.kind == "map" for e in events)
    assert sum(isinstance(e, Article.RelatedLinked) for e in events) >= 2
    article = app.article(DEMO_SLUG)
    assert article.byline["bio"] and len(article.tags) >= 2
    assert app.authenticate(result.editor_token).name == "demo-editor"
