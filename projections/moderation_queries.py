"""The moderation view's queries: comments with their moderation record."""

from __future__ import annotations

from typing import Any

import orjson

from newsroom.article import article_id
from projections.documents import Doc
from projections.moderation import COMMENTS as MODERATION_COMMENTS
from projections.sqlstore import SQLReadModels


class ModerationQueries(SQLReadModels):
    def moderation(
        self, *, slug: str | None = None, hidden_only: bool = False, limit: int = 100
    ) -> list[Doc]:
        conditions: list[str] = []
        params: list[Any] = []
        if slug is not None:
            conditions.append("article = ?")
            params.append(article_id(slug).hex)
        if hidden_only:
            conditions.append("hidden = ?")
            params.append(True)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self._rows(
            f"SELECT doc FROM {self.table(MODERATION_COMMENTS)} {where}ORDER BY position DESC LIMIT ?",
            (*params, limit),
        )
        return [orjson.loads(row["doc"]) for row in rows]
