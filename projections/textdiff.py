"""A word-by-word difference of two texts, for auditors: what was taken out and what was put in."""

from __future__ import annotations

import difflib
import re

_TOKENS = re.compile(r"\S+|\s+")

Segment = tuple[str, str]  # ("=" kept | "-" taken out | "+" put in, the text)


def word_diff(before: str | None, after: str | None) -> list[Segment]:
    """The segments that turn ``before`` into ``after``, words and the spaces between them kept whole."""
    old, new = _TOKENS.findall(before or ""), _TOKENS.findall(after or "")
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(("=", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("-", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(("+", "".join(new[j1:j2])))
    return segments
