"""Every rule of the Article aggregate, each asserting the specific error it raises."""

from __future__ import annotations

from uuid import uuid4

import pytest

from newsroom import errors, rules, sealing
from newsroom.article import Article, article_id
from newsroom.article_events import LIVE, PINNED, PUBLISHED, STRUCK, UNPUBLISHED

ACTOR = "staff:eddie"


def draft(**overrides: object) -> Article:
    fields: dict[str, object] = {
        "slug": "bridge-closure",
        "headline": "Bridge closed for repairs",
        "body": "The east bridge closes on Monday.",
        "byline_name": "Ana Ruiz",
        "byline_bio": "Ana Ruiz covers transport.",
        "tags": ["transport"],
        "actor": ACTOR,
    }
    fields.update(overrides)
    return Article.draft(**fields)  # type: ignore[arg-type]


def published() -> Article:
    article = draft()
    article.publish(actor=ACTOR)
    return article


# -- drafting --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    ["", "Upper-Case", "two--hyphens", "-leading", "trailing-", "has space", "é-accent", "a" * 81],
)
def test_bad_slugs_are_refused_naming_the_field(slug: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        draft(slug=slug)
    assert caught.value.field == "slug"


def test_good_slug_derives_a_stable_id() -> None:
    article = draft(slug="a-1-b")
    assert article.id == article_id("a-1-b")
    assert article.id != article_id("a-1-c")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("headline", ""),
        ("headline", "   "),
        ("headline", "x" * (rules.HEADLINE_MAX + 1)),
        ("headline", "two\nlines"),
        ("headline", "bell\x07"),
        ("body", ""),
        ("body", "x" * (rules.ARTICLE_BODY_MAX + 1)),
        ("byline_name", ""),
        ("byline_bio", "x" * (rules.BIO_MAX + 1)),
        ("tags", ["Not A Tag"]),
        ("tags", "not-a-list"),
        ("tags", [f"t{i}" for i in range(rules.TAGS_PER_ARTICLE + 1)]),
    ],
)
def test_draft_text_limits(field: str, value: object) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        draft(**{field: value})
    assert caught.value.field.startswith(field.replace("byline_", "byline."))


def test_draft_normalises_text_and_starts_as_draft() -> None:
    article = draft(headline="  Bridge closed \n", tags=["transport", "transport", "roads"])
    assert article.headline == "Bridge closed"
    assert article.tags == ["transport", "roads"]
    assert article.status == "draft"
    assert article.comments_open


# -- publication -----------------------------------------------------------------------------------


def test_publish_twice_is_refused() -> None:
    article = published()
    assert article.status == PUBLISHED
    with pytest.raises(errors.AlreadyPublishedError):
        article.publish(actor=ACTOR)


def test_unpublish_needs_a_published_article_and_a_reason() -> None:
    with pytest.raises(errors.NotPublishedError):
        draft().unpublish(reason="legal", actor=ACTOR)
    article = published()
    with pytest.raises(errors.ValidationError) as caught:
        article.unpublish(reason="", actor=ACTOR)
    assert caught.value.field == "reason"
    article.unpublish(reason="Legal review", actor=ACTOR)
    assert article.status == UNPUBLISHED
    article.publish(actor=ACTOR)
    assert article.is_published


def test_republishing_keeps_first_publication_time() -> None:
    article = published()
    first = article.published_at
    article.unpublish(reason="Legal review", actor=ACTOR)
    article.publish(actor=ACTOR)
    assert article.published_at == first


# -- headline and body -----------------------------------------------------------------------------


def test_unchanged_headline_or_body_is_refused() -> None:
    article = draft()
    with pytest.raises(errors.NothingChangedError):
        article.change_headline(headline=article.headline, actor=ACTOR)
    with pytest.raises(errors.NothingChangedError):
        article.revise_body(body=article.body, correction_note=None, actor=ACTOR)


def test_body_revision_keeps_its_correction_note() -> None:
    article = published()
    article.revise_body(body="The east bridge closes Tuesday.", correction_note="Day fixed.", actor=ACTOR)
    event = article.pending_events[-1]
    assert isinstance(event, Article.BodyRevised)
    assert event.correction_note == "Day fixed."
    with pytest.raises(errors.ValidationError) as caught:
        article.revise_body(body="Other.", correction_note="x" * (rules.NOTE_MAX + 1), actor=ACTOR)
    assert caught.value.field == "correction_note"


# -- updates ---------------------------------------------------------------------------------------


def test_updates_only_on_a_published_article() -> None:
    with pytest.raises(errors.NotPublishedError):
        draft().append_update(body="News", label=None, actor=ACTOR)


@pytest.mark.parametrize(
    ("field", "body", "label"),
    [
        ("body", "", None),
        ("body", "x" * (rules.UPDATE_BODY_MAX + 1), None),
        ("label", "ok", "x" * 81),
    ],
)
def test_update_text_limits(field: str, body: str, label: str | None) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        published().append_update(body=body, label=label, actor=ACTOR)
    assert caught.value.field == field


def test_strike_pin_revise_only_existing_updates() -> None:
    article = published()
    missing = uuid4()
    for attempt in (
        lambda: article.strike_update(missing, reason="wrong", actor=ACTOR),
        lambda: article.pin_update(missing, actor=ACTOR),
        lambda: article.unpin_update(missing, actor=ACTOR),
        lambda: article.revise_update(missing, body="x", note=None, actor=ACTOR),
    ):
        with pytest.raises(errors.UpdateNotFoundError):
            attempt()


def test_strike_once_and_a_struck_update_is_frozen() -> None:
    article = published()
    update_id = article.append_update(body="Two ferries cancelled.", label="9:00", actor=ACTOR)
    article.pin_update(update_id, actor=ACTOR)
    article.strike_update(update_id, reason="Only one ferry was cancelled.", actor=ACTOR)
    assert article.update_state(update_id) == STRUCK
    with pytest.raises(errors.UpdateStruckError):
        article.strike_update(update_id, reason="again", actor=ACTOR)
    with pytest.raises(errors.UpdateStruckError):
        article.pin_update(update_id, actor=ACTOR)
    with pytest.raises(errors.UpdateStruckError):
        article.revise_update(update_id, body="x", note=None, actor=ACTOR)


def test_strike_needs_a_reason() -> None:
    article = published()
    update_id = article.append_update(body="Road open.", label=None, actor=ACTOR)
    with pytest.raises(errors.ValidationError) as caught:
        article.strike_update(update_id, reason=" ", actor=ACTOR)
    assert caught.value.field == "reason"


def test_pin_and_unpin_not_twice() -> None:
    article = published()
    update_id = article.append_update(body="Road open.", label=None, actor=ACTOR)
    with pytest.raises(errors.NotPinnedError):
        article.unpin_update(update_id, actor=ACTOR)
    article.pin_update(update_id, actor=ACTOR)
    assert article.update_state(update_id) == PINNED
    with pytest.raises(errors.AlreadyPinnedError):
        article.pin_update(update_id, actor=ACTOR)
    article.unpin_update(update_id, actor=ACTOR)
    assert article.update_state(update_id) == LIVE


# -- comments --------------------------------------------------------------------------------------


def test_comments_only_on_published_articles_with_comments_open() -> None:
    with pytest.raises(errors.NotPublishedError):
        draft().add_comment(author="Lea", body="Hi", reply_to=None)
    article = published()
    article.close_comments(actor=ACTOR)
    with pytest.raises(errors.CommentsClosedError):
        article.add_comment(author="Lea", body="Hi", reply_to=None)
    with pytest.raises(errors.CommentsClosedError):
        article.close_comments(actor=ACTOR)
    article.reopen_comments(actor=ACTOR)
    with pytest.raises(errors.CommentsAlreadyOpenError):
        article.reopen_comments(actor=ACTOR)
    article.add_comment(author="Lea", body="Hi", reply_to=None)


def test_unpublished_article_takes_no_comments() -> None:
    article = published()
    article.unpublish(reason="Legal review", actor=ACTOR)
    with pytest.raises(errors.NotPublishedError):
        article.add_comment(author="Lea", body="Hi", reply_to=None)


@pytest.mark.parametrize(
    ("field", "author", "body"),
    [
        ("author", "", "hi"),
        ("author", "x" * (rules.COMMENT_AUTHOR_MAX + 1), "hi"),
        ("author", "two\nlines", "hi"),
        ("body", "Lea", ""),
        ("body", "Lea", "x" * (rules.COMMENT_BODY_MAX + 1)),
    ],
)
def test_comment_text_limits(field: str, author: str, body: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        published().add_comment(author=author, body=body, reply_to=None)
    assert caught.value.field == field


def test_a_comment_event_names_no_one_and_keeps_its_author_and_markup_sealed() -> None:
    """The commenter's name and words are sealed under the comment's own key (erasing it destroys the
    key); the event's actor is only "reader", and markup stays text."""
    article = published()
    article.add_comment(author="Lea", body="<script>alert(1)</script>", reply_to=None)
    event = article.pending_events[-1]
    assert isinstance(event, Article.CommentAdded)
    assert event.actor == "reader"
    assert "Lea" not in str(vars(event)) and "script" not in str(vars(event))
    [(name, key)] = article.collect_secrets()
    assert name == sealing.sealed_key(event.sealed)
    assert sealing.unseal(event.sealed, key) == {"author": "Lea", "body": "<script>alert(1)</script>"}
    assert sealing.unseal(event.sealed, None) is None  # without the key: nothing


def test_replies_only_to_existing_visible_comments() -> None:
    article = published()
    with pytest.raises(errors.CommentNotFoundError):
        article.add_comment(author="Lea", body="Reply", reply_to=uuid4())
    first = article.add_comment(author="Lea", body="First", reply_to=None)
    article.add_comment(author="Tom", body="Reply", reply_to=first)
    article.hide_comment(first, reason="Off topic", actor="staff:mo")
    with pytest.raises(errors.CommentHiddenError):
        article.add_comment(author="Tom", body="Reply", reply_to=first)


def test_hide_and_restore_only_existing_comments_and_not_twice() -> None:
    article = published()
    missing = uuid4()
    with pytest.raises(errors.CommentNotFoundError):
        article.hide_comment(missing, reason="spam", actor="staff:mo")
    with pytest.raises(errors.CommentNotFoundError):
        article.restore_comment(missing, reason="ok", actor="staff:mo")
    comment = article.add_comment(author="Lea", body="Hi", reply_to=None)
    with pytest.raises(errors.CommentNotHiddenError):
        article.restore_comment(comment, reason="ok", actor="staff:mo")
    article.hide_comment(comment, reason="Spam", actor="staff:mo")
    with pytest.raises(errors.CommentHiddenError):
        article.hide_comment(comment, reason="Spam", actor="staff:mo")
    with pytest.raises(errors.ValidationError):
        article.restore_comment(comment, reason="", actor="staff:mo")
    article.restore_comment(comment, reason="Appeal upheld", actor="staff:mo")
    assert article.comment_hidden(comment) is False


# -- tags, embeds, related links -------------------------------------------------------------------


def test_tags_not_twice_and_only_existing_removed() -> None:
    article = draft(tags=["transport"])
    with pytest.raises(errors.AlreadyTaggedError):
        article.add_tag("transport", actor=ACTOR)
    with pytest.raises(errors.NotTaggedError):
        article.remove_tag("weather", actor=ACTOR)
    with pytest.raises(errors.ValidationError):
        article.add_tag("Bad Tag", actor=ACTOR)
    article.add_tag("roads", actor=ACTOR)
    article.remove_tag("transport", actor=ACTOR)
    assert article.tags == ["roads"]


def test_tag_limit() -> None:
    article = draft(tags=[f"t{i}" for i in range(rules.TAGS_PER_ARTICLE)])
    with pytest.raises(errors.LimitReachedError):
        article.add_tag("one-more", actor=ACTOR)


@pytest.mark.parametrize(
    ("field", "kind", "url"),
    [
        ("kind", "hologram", "https://maps.example.org/x"),
        ("url", "map", "javascript:alert(1)"),
        ("url", "map", "ftp://example.org/x"),
        ("url", "map", "/relative/path"),
    ],
)
def test_embed_rules(field: str, kind: str, url: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        draft().attach_embed(kind=kind, url=url, caption=None, actor=ACTOR)
    assert caught.value.field == field


def test_embed_remove_only_existing() -> None:
    article = draft()
    with pytest.raises(errors.EmbedNotFoundError):
        article.remove_embed(uuid4(), actor=ACTOR)
    embed = article.attach_embed(kind="map", url="https://maps.example.org/a", caption="", actor=ACTOR)
    article.remove_embed(embed, actor=ACTOR)
    assert article.embeds == {}


def test_related_links_not_twice() -> None:
    article = draft()
    article.link_related(url="https://example.org/a", title="Background", actor=ACTOR)
    with pytest.raises(errors.AlreadyLinkedError):
        article.link_related(url="https://example.org/a", title="Again", actor=ACTOR)
    with pytest.raises(errors.ValidationError) as caught:
        article.link_related(url="https://example.org/b", title="", actor=ACTOR)
    assert caught.value.field == "title"


# -- state copies ----------------------------------------------------------------------------------


def test_deepcopy_is_independent() -> None:
    import copy

    article = published()
    article.append_update(body="One", label=None, actor=ACTOR)
    clone = copy.deepcopy(article)
    clone.append_update(body="Two", label=None, actor=ACTOR)
    clone.add_tag("extra", actor=ACTOR)
    assert article.update_count == 1
    assert clone.update_count == 2
    clone.pin_update(clone.update_ids()[0], actor=ACTOR)
    assert article.update_state(article.update_ids()[0]) == LIVE
    assert "extra" not in article.tags
    assert article.version == clone.version - 3


def test_the_whitespace_the_text_patterns_spell_out_is_what_strip_takes_away() -> None:
    import re
    import sys

    from newsroom import rules

    spelled = re.compile(f"[{rules.WHITESPACE}]")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        assert bool(spelled.match(char)) is char.isspace(), hex(code)


# -- pre-moderation and erasure ------------------------------------------------------------------------


def test_a_premoderated_story_holds_comments_and_refuses_replies_and_reports_until_approved() -> None:
    article = published()
    article.set_premoderation(True, actor=ACTOR)
    with pytest.raises(errors.NothingChangedError):
        article.set_premoderation(True, actor=ACTOR)
    held = article.add_comment(author="Lea", body="Hello", reply_to=None, client="c0ffee")
    assert article.comment_held(held)
    with pytest.raises(errors.CommentHiddenError, match="awaits moderation"):
        article.add_comment(author="Bo", body="Re", reply_to=held)
    with pytest.raises(errors.CommentHiddenError, match="awaits moderation"):
        article.flag_comment(held, reason="spam")
    article.approve_comment(held, actor=ACTOR)
    assert not article.comment_held(held)
    article.add_comment(author="Bo", body="Re", reply_to=held)


def test_an_erased_item_can_be_changed_no_more_and_its_keys_go_with_the_save() -> None:
    article = published()
    update = article.append_update(body="Words", actor=ACTOR)
    comment = article.add_comment(author="Lea", body="Hello", reply_to=None)
    article.pin_update(update, actor=ACTOR)
    article.collect_secrets()
    article.erase_update(update, reason="Court order", actor=ACTOR)
    article.erase_comment(comment, reason="Request", actor=ACTOR)
    assert article.collect_shredded() == [sealing.item_prefix(update), sealing.item_prefix(comment)]
    assert article.update_state(update) == LIVE  # unpinned with it
    for change in (
        lambda: article.revise_update(update, body="New", note=None, actor=ACTOR),
        lambda: article.pin_update(update, actor=ACTOR),
        lambda: article.erase_update(update, reason="Again", actor=ACTOR),
        lambda: article.hide_comment(comment, reason="x", actor=ACTOR),
        lambda: article.flag_comment(comment, reason="spam"),
        lambda: article.add_comment(author="Bo", body="Re", reply_to=comment),
        lambda: article.erase_comment(comment, reason="Again", actor=ACTOR),
    ):
        with pytest.raises(errors.ItemErasedError):
            change()
    with pytest.raises(errors.UpdateNotFoundError):
        article.erase_update(uuid4(), reason="x", actor=ACTOR)
    with pytest.raises(errors.ValidationError):
        article.erase_comment(
            article.add_comment(author="Al", body="Hi", reply_to=None), reason="", actor=ACTOR
        )


def test_a_snapshot_holds_none_of_the_sealed_words_so_erasing_the_keys_leaves_none_anywhere() -> None:
    from eventsourcing.persistence import Mapper

    from newsroom.transcoding import OrjsonTranscoder

    article = published()
    article.append_update(body="The quillword memo", headline="Quillhead", label="Quill-label", actor=ACTOR)
    article.add_comment(author="Nameword Person", body="A commentword here", reply_to=None, client="c0ffee")
    article.collect_events()
    article.collect_secrets()  # as a save does (newsroom.saving), before it snapshots
    stored = Mapper(transcoder=OrjsonTranscoder()).to_stored_event(Article.Snapshot.take(article))
    for word in (b"quillword", b"Quillhead", b"Quill-label", b"Nameword", b"commentword", b"c0ffee"):
        assert word not in stored.state
