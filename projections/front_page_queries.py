"""Queries over the lists of stories: listed stories, most recently active first (per tag and per author
too), and every story for the desk, most recently changed first."""

from __future__ import annotations

from typing import Any

import orjson

from projections.documents import Doc
from projections.front_page import AUTHORS as FRONT_AUTHORS
from projections.front_page import LISTED as FRONT_LISTED
from projections.front_page import SCHEDULE, FrontPageProjection, public_summary
from projections.front_page import TAGS as FRONT_TAGS
from projections.sqlstore import SQLReadModels

NO_CURSOR = 2**62


class FrontPageQueries(SQLReadModels):
    def lists_position(self) -> int:
        """What the lists have applied: a list read now shows the log up to here (its validator)."""
        return self.position(FrontPageProjection.name)

    def front_page(
        self, *, limit: int, before: int | None = None, tag: str | None = None, author: str | None = None
    ) -> list[Doc]:
        """Listed stories, most recently active first; ``before`` is the last page's final ``activity``."""
        cursor = before if before is not None else NO_CURSOR
        if tag is None and author is None:
            rows = self._rows(
                f"SELECT doc FROM {self.table(FRONT_LISTED)} WHERE listed = ? AND activity < ? "
                "ORDER BY activity DESC LIMIT ?",
                (True, cursor, limit),
            )
        else:
            index, column, value = (
                (FRONT_TAGS, "tag", tag) if tag is not None else (FRONT_AUTHORS, "author", author)
            )
            rows = self._rows(
                f"SELECT a.doc FROM {self.table(index)} t JOIN {self.table(FRONT_LISTED)} a "
                f"ON a.key = t.article WHERE t.{column} = ? AND t.activity < ? "
                "ORDER BY t.activity DESC LIMIT ?",
                (value, cursor, limit),
            )
        return [public_summary(orjson.loads(row["doc"])) for row in rows]

    def desk_stories(
        self, *, limit: int, status: str | None = None, search: str | None = None, before: int | None = None
    ) -> list[Doc]:
        """Every story, whatever its status, most recently changed first (the newsroom's list): of one
        status, and whose headline holds ``search`` (any case), if given; ``before`` is the last page's
        final ``changed``."""
        where = ["changed < ?"]
        params: list[Any] = [before if before is not None else NO_CURSOR]
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if search:
            where.append("headline LIKE ? ESCAPE '\\'")
            escaped = search.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        rows = self._rows(
            f"SELECT doc FROM {self.table(FRONT_LISTED)} WHERE {' AND '.join(where)} "
            "ORDER BY changed DESC LIMIT ?",
            (*params, limit),
        )
        return [orjson.loads(row["doc"]) for row in rows]

    def due(self, now_us: int) -> list[str]:
        """The slugs of the stories with something due at ``now_us`` (microseconds since the epoch)."""
        rows = self._rows(
            f"SELECT slug FROM {self.table(SCHEDULE)} WHERE due_us <= ? ORDER BY due_us", (now_us,)
        )
        return [str(row["slug"]) for row in rows]

    def next_due_us(self) -> int | None:
        """When the next scheduled thing is due (microseconds since the epoch), or None."""
        rows = self._rows(f"SELECT MIN(due_us) AS due FROM {self.table(SCHEDULE)}")
        return int(rows[0]["due"]) if rows and rows[0]["due"] is not None else None
