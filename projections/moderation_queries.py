"""The moderation queue's queries: comments by state across every story, the bans, and a commenter's
comments (for erasure)."""

from __future__ import annotations

from typing import Any

import orjson

from newsroom.article import article_id
from newsroom.bans import name_key
from projections.documents import Doc
from projections.moderation import BANS, SLUGS, STATES
from projections.moderation import COMMENTS as MODERATION_COMMENTS
from projections.sqlstore import SQLReadModels


class ModerationQueries(SQLReadModels):
    def moderation(
        self,
        *,
        slug: str | None = None,
        hidden_only: bool = False,
        state: str | None = None,
        client: str | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[Doc]:
        """Comments newest first: of one story or all, in one state or any, from one client or any;
        ``before`` a position, for the next page."""
        where, params = _where(
            ("article = ?", article_id(slug).hex if slug is not None else None),
            ("hidden = ?", True if hidden_only else None),
            ("state = ?", state),
            ("client = ?", client or None),
            ("position < ?", before),
        )
        rows = self._rows(
            f"SELECT doc FROM {self.table(MODERATION_COMMENTS)} {where}ORDER BY position DESC LIMIT ?",
            (*params, limit),
        )
        return [orjson.loads(row["doc"]) for row in rows]

    def moderation_comment(self, comment_id: str) -> Doc | None:
        rows = self._rows(f"SELECT doc FROM {self.table(MODERATION_COMMENTS)} WHERE key = ?", (comment_id,))
        return orjson.loads(rows[0]["doc"]) if rows else None

    def moderation_counts(self, *, slug: str | None = None) -> dict[str, int]:
        """How many comments are in each state (of one story, or all)."""
        where, params = _where(("article = ?", article_id(slug).hex if slug is not None else None))
        rows = self._rows(
            f"SELECT state, COUNT(*) AS n FROM {self.table(MODERATION_COMMENTS)} {where}GROUP BY state",
            params,
        )
        counts = dict.fromkeys(STATES, 0)
        counts.update({row["state"]: int(row["n"]) for row in rows})
        return counts

    def moderation_story(self, slug: str) -> Doc | None:
        """A story as the moderators see it: its slug, headline, and whether it is pre-moderated."""
        rows = self._rows(f"SELECT doc FROM {self.table(SLUGS)} WHERE key = ?", (article_id(slug).hex,))
        return orjson.loads(rows[0]["doc"]) if rows else None

    def comments_by(self, name: str) -> list[Doc]:
        """Every comment signed ``name`` (as ``name_key`` matches names), erased ones excepted."""
        key = name_key(name)
        if not key:
            return []
        rows = self._rows(
            f"SELECT doc FROM {self.table(MODERATION_COMMENTS)} WHERE author_key = ? ORDER BY position",
            (key,),
        )
        return [doc for row in rows if not (doc := orjson.loads(row["doc"]))["erased"]]

    def bans(self, *, active_only: bool = True, name: str | None = None) -> list[Doc]:
        where, params = _where(
            ("active = ?", True if active_only else None), ("name_key = ?", name_key(name) if name else None)
        )
        rows = self._rows(f"SELECT doc FROM {self.table(BANS)} {where}", params)
        found = [orjson.loads(row["doc"]) for row in rows]
        return sorted(found, key=lambda ban: ban["at"], reverse=True)

    def ban_of(self, name: str, client: str | None) -> Doc | None:
        """The ban in force on this name or this client, if there is one."""
        rows = self._rows(
            f"SELECT doc FROM {self.table(BANS)} WHERE active = ? AND (name_key = ? OR client = ?)",
            (True, name_key(name) or "\x00", client or "\x00"),
        )
        return orjson.loads(rows[0]["doc"]) if rows else None


def _where(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """A WHERE clause of the conditions whose value is not None, and their parameters."""
    chosen = [(clause, value) for clause, value in conditions if value is not None]
    if not chosen:
        return "", []
    return f"WHERE {' AND '.join(clause for clause, _ in chosen)} ", [value for _, value in chosen]
