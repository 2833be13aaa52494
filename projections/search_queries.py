"""Searching the stories and updates: ranked by the backend's full-text index, with snippets in which the
words found are marked.

SQLite ranks with FTS5's bm25; PostgreSQL with ts_rank_cd over the GIN-indexed tsvector, among the most
recent matches (``CANDIDATES``) so that a word found in every story still answers in milliseconds. Snippets
come back with the matches between two control characters no stored text can hold (``newsroom.rules``
refuses them), and are escaped here, so only the marks are markup.
"""

from __future__ import annotations

import html
import re
from typing import Any, ClassVar, Final

import orjson

from projections.documents import Doc
from projections.search import DOCS
from projections.sqlstore import SQLReadModels

START, STOP = "\x01", "\x02"
CANDIDATES: Final = 2000  # PostgreSQL ranks at most this many of the most recent matches
WORD = re.compile(r"\w+", re.UNICODE)


class SearchQueries(SQLReadModels):
    full_text: ClassVar[str] = "fts5"  # "fts5" (SQLite) or "tsvector" (PostgreSQL)

    def search(
        self,
        text: str,
        *,
        limit: int = 20,
        tag: str | None = None,
        before: int | None = None,
        public_only: bool = True,
    ) -> list[Doc]:
        """The stories and updates matching ``text``, best first, each with a ``snippet`` (HTML)."""
        words = WORD.findall(text)[:12]
        if not words:
            return []
        where: list[str] = []
        params: list[Any] = []
        if public_only:
            where.append("d.public = ?")
            params.append(True)
        if tag is not None:
            where.append("d.tags LIKE ?")
            params.append(f"% {tag} %")
        if before is not None:
            where.append("d.position < ?")
            params.append(before)
        filters = "".join(f" AND {clause}" for clause in where)
        if self.full_text == "fts5":
            statement, args = self._fts5(words, filters, params, limit)
        else:
            statement, args = self._tsvector(text, filters, params, limit)
        results = []
        for row in self._rows(statement, args):
            doc: Doc = orjson.loads(row["doc"])
            doc.pop("body_text", None)
            doc["snippet"] = _marked(row["snippet"] or "")
            results.append(doc)
        return results

    def _fts5(self, words: list[str], filters: str, params: list[Any], limit: int) -> tuple[str, list[Any]]:
        # Each word quoted (no query syntax gets through); the last also as a prefix, for a word being typed.
        quoted = [f'"{word}"' for word in words]
        quoted[-1] += "*"
        fts = f'"{DOCS.name}_fts"'
        statement = (
            f"SELECT d.doc, snippet({fts}, 0, char(1), char(2), '…', 24) AS snippet "
            f"FROM {fts} JOIN {self.table(DOCS)} d ON d.rowid = {fts}.rowid "
            f"WHERE {fts} MATCH ?{filters} ORDER BY bm25({fts}), d.position DESC LIMIT ?"
        )
        return statement, [" ".join(quoted), *params, limit]

    def _tsvector(self, text: str, filters: str, params: list[Any], limit: int) -> tuple[str, list[Any]]:
        statement = (
            "WITH q AS (SELECT websearch_to_tsquery('english', ?) AS query), "
            f"found AS (SELECT d.doc, d.body, d.search_vector, d.position FROM {self.table(DOCS)} d, q "
            f"WHERE d.search_vector @@ q.query{filters} ORDER BY d.position DESC LIMIT {CANDIDATES}), "
            "ranked AS (SELECT found.*, ts_rank_cd(found.search_vector, q.query) AS rank FROM found, q "
            "ORDER BY rank DESC, found.position DESC LIMIT ?) "
            "SELECT ranked.doc, ts_headline('english', ranked.body, q.query, "
            "'StartSel=\x01, StopSel=\x02, MaxFragments=1, MaxWords=30, MinWords=12') AS snippet "
            "FROM ranked, q ORDER BY ranked.rank DESC, ranked.position DESC"
        )
        return statement, [text, *params, limit]


def _marked(snippet: str) -> str:
    """The snippet as HTML: its text escaped, the matches in ``<mark>``."""
    return html.escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")
