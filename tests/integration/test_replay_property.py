"""Property: after any sequence of valid commands, the article equals a replay of its stored events.

Checked three ways on each store: the cached aggregate the application keeps, a full replay of the events
with no snapshot, and a cold load in a new application (snapshot plus the events after it).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsroom import Article, Newsroom
from newsroom.article import article_id
from newsroom.article_events import PINNED, STRUCK
from newsroom.errors import InvalidStateError
from tests.conftest import STORES, url_factory

SLUG = "river-watch"


class SnappyNewsroom(Newsroom):
    name = "Newsroom"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Article: 4}


text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip())

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "update",
                "update",
                "update",
                "comment",
                "comment",
                "reply",
                "strike",
                "pin",
                "unpin",
                "revise",
                "hide",
                "restore",
                "headline",
                "body",
                "tag",
                "untag",
                "close",
                "reopen",
                "unpublish",
                "publish",
                "embed",
                "unembed",
                "link",
            ]
        ),
        st.integers(min_value=0, max_value=50),
        text,
    ),
    max_size=25,
)


def run(app: Newsroom, operations: list[tuple[str, int, str]], article: Article | None = None) -> Article:
    """Plays the operations through the aggregate's own command methods, saving after each one, and
    returns the aggregate as the commands left it (drafting and publishing it first if not given)."""
    editor = "staff:eddie"
    if article is None:
        article = Article.draft(
            slug=SLUG,
            headline="Watching the river",
            body="Levels rising.",
            byline_name="Kit",
            actor=editor,
        )
        article.publish(actor=editor)
        app.save(article)

    def pick(ids: list[UUID], n: int, keep: Callable[[UUID], bool]) -> UUID | None:
        candidates = [item for item in ids if keep(item)]
        return candidates[n % len(candidates)] if candidates else None

    for kind, n, words in operations:
        try:
            if kind == "update":
                article.append_update(body=words, label=words[:10], actor=editor)
            elif kind in ("comment", "reply"):
                visible = article.comment_ids()
                reply_to = (
                    pick(visible, n, lambda c: not article.comment_hidden(c)) if kind == "reply" else None
                )
                article.add_comment(author=words[:20], body=words, reply_to=reply_to)
            elif kind in ("strike", "pin", "unpin", "revise"):
                target = pick(article.update_ids(), n, lambda u: article.update_state(u) != STRUCK)
                if target is None:
                    continue
                if kind == "strike":
                    article.strike_update(target, reason=words, actor=editor)
                elif kind == "revise":
                    article.revise_update(target, body=words, note=words, actor=editor)
                elif kind == "pin" and article.update_state(target) != PINNED:
                    article.pin_update(target, actor=editor)
                elif kind == "unpin" and article.update_state(target) == PINNED:
                    article.unpin_update(target, actor=editor)
            elif kind in ("hide", "restore"):
                want_hidden = kind == "restore"
                target = pick(
                    article.comment_ids(), n, lambda c, w=want_hidden: article.comment_hidden(c) is w
                )
                if target is not None and kind == "hide":
                    article.hide_comment(target, reason=words, actor="staff:mo")
                elif target is not None:
                    article.restore_comment(target, reason=words, actor="staff:mo")
            elif kind == "headline":
                article.change_headline(headline=f"{words} {n}", actor=editor)
            elif kind == "body":
                article.revise_body(body=f"{words} {n}", correction_note=words, actor=editor)
            elif kind == "tag":
                article.add_tag(f"tag-{n}", actor=editor)
            elif kind == "untag" and article.tags:
                article.remove_tag(article.tags[n % len(article.tags)], actor=editor)
            elif kind == "embed":
                article.attach_embed(
                    kind="map", url=f"https://maps.example.org/{n}", caption=words, actor=editor
                )
            elif kind == "unembed":
                target = pick([UUID(hex=key) for key in article.embeds], n, lambda _: True)
                if target is not None:
                    article.remove_embed(target, actor=editor)
            elif kind == "link":
                article.link_related(url=f"https://example.org/{n}", title=words, actor=editor)
            elif kind == "close" and article.comments_open:
                article.close_comments(actor=editor)
            elif kind == "reopen" and not article.comments_open:
                article.reopen_comments(actor=editor)
            elif kind == "unpublish" and article.is_published:
                article.unpublish(reason=words, actor=editor)
            elif kind == "publish" and not article.is_published:
                article.publish(actor=editor)
        except InvalidStateError:
            # A state rule said no (a closed thread, a repeated tag, an unchanged headline, ...):
            # nothing was triggered, which the comparison with the replay also checks.
            continue
        app.save(article)
    return article


def assert_replay_equal(app: Newsroom, commanded: Article) -> None:
    assert project_aggregate(None, app.events.get(article_id(SLUG))) == commanded
    assert app.article(SLUG) == commanded  # through the cache and its fast-forward
    assert app.repository.get(article_id(SLUG), version=commanded.version) == commanded


@pytest.mark.parametrize("store", STORES)
def test_any_valid_command_sequence_equals_a_replay(store: str, request: pytest.FixtureRequest) -> None:
    workdir = tempfile.TemporaryDirectory()
    request.addfinalizer(workdir.cleanup)
    new_url = url_factory(store, request, Path(workdir.name))

    @settings(
        max_examples=12 if store == "postgres" else 30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(operations=OPERATIONS)
    def check(operations: list[tuple[str, int, str]]) -> None:
        if store == "memory":
            app = SnappyNewsroom.from_url("memory:")
            assert_replay_equal(app, run(app, operations))
            return
        url = new_url()
        app = SnappyNewsroom.from_url(url)
        try:
            commanded = run(app, operations)
        finally:
            app.close()
        cold = SnappyNewsroom.from_url(url)  # a new process would start here: snapshot + later events
        try:
            assert_replay_equal(cold, commanded)
        finally:
            cold.close()

    check()
