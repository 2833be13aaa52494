"""The front page's queries: listed stories, most recently active first (per tag too)."""

from __future__ import annotations

import orjson

from projections.documents import Doc
from projections.front_page import LISTED as FRONT_LISTED
from projections.front_page import TAGS as FRONT_TAGS
from projections.sqlstore import SQLReadModels


class FrontPageQueries(SQLReadModels):
    def front_page(self, *, limit: int, before: int | None = None, tag: str | None = None) -> list[Doc]:
        """Listed stories, most recently active first; ``before`` is the last page's final ``activity``."""
        cursor = before if before is not None else 2**62
        if tag is None:
            rows = self._rows(
                f"SELECT doc FROM {self.table(FRONT_LISTED)} WHERE listed = ? AND activity < ? "
                "ORDER BY activity DESC LIMIT ?",
                (True, cursor, limit),
            )
        else:
            rows = self._rows(
                f"SELECT a.doc FROM {self.table(FRONT_TAGS)} t JOIN {self.table(FRONT_LISTED)} a "
                "ON a.key = t.article WHERE t.tag = ? AND t.activity < ? ORDER BY t.activity DESC LIMIT ?",
                (tag, cursor, limit),
            )
        return [orjson.loads(row["doc"]) for row in rows]
