"""The auditor's word diff: what was taken out and put in, the rest kept, nothing lost or doubled."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.textdiff import word_diff


def test_a_changed_word_is_taken_out_and_put_in() -> None:
    assert word_diff("about 140 residents", "about 160 residents") == [
        ("=", "about "),
        ("-", "140"),
        ("+", "160"),
        ("=", " residents"),
    ]
    assert word_diff(None, "new") == [("+", "new")]
    assert word_diff("old", None) == [("-", "old")]


words = st.lists(st.sampled_from(["the", "river", "rose", "fell", "\n\n", " ", "quay"]), max_size=12)


@settings(max_examples=60, deadline=None)
@given(before=words, after=words)
def test_the_segments_rebuild_both_texts(before: list[str], after: list[str]) -> None:
    old, new = " ".join(before), " ".join(after)
    segments = word_diff(old, new)
    assert "".join(text for op, text in segments if op != "+") == old
    assert "".join(text for op, text in segments if op != "-") == new
