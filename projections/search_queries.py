"""Searching the stories and updates: ranked by the backend's full-text index, with snippets in which the
words found are marked.

Both rank among the most recent matches (``CANDIDATES``), so that a word found in every story still answers
in milliseconds (ranking all 50,000 matches of a common word took 150 ms on SQLite; the most recent 2,000
are found in 1): SQLite with FTS5's bm25 over the rows from the 2,000th newest match on, PostgreSQL with
ts_rank_cd over the GIN-indexed tsvector. Snippets
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
CANDIDATES: Final = 2000  # the most recent matches ranked
PREFIX_FROM: Final = 3  # a last word this long or longer also finds words it begins
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
            rows = self._fts5(words, filters, params, limit)
        else:
            rows = self._rows(*self._tsvector(text, filters, params, limit))
        results = []
        for row in rows:
            doc: Doc = orjson.loads(row["doc"])
            doc.pop("body_text", None)
            doc["snippet"] = _marked(row["snippet"] or "")
            results.append(doc)
        return results

    def _fts5(self, words: list[str], filters: str, params: list[Any], limit: int) -> list[Any]:
        # Each word quoted (no query syntax gets through); the last, when long enough not to stand for
        # thousands of words, also as a prefix, for a word being typed.
        quoted = [f'"{word}"' for word in words]
        if len(words[-1]) >= PREFIX_FROM:
            quoted[-1] += "*"
        match = " ".join(quoted)
        fts, docs = f'"{DOCS.name}_fts"', self.table(DOCS)
        # Rows are numbered as they were first written: the newest matches are those from this row on.
        cutoff = self._rows(
            f"SELECT f.rowid FROM {fts} f JOIN {docs} d ON d.rowid = f.rowid WHERE {fts} MATCH ?{filters} "
            f"ORDER BY f.rowid DESC LIMIT 1 OFFSET {CANDIDATES - 1}",
            [match, *params],
        )
        return self._rows(
            f"SELECT d.doc, snippet({fts}, 0, char(1), char(2), '…', 24) AS snippet "
            f"FROM {fts} JOIN {docs} d ON d.rowid = {fts}.rowid "
            f"WHERE {fts} MATCH ? AND {fts}.rowid >= ?{filters} ORDER BY rank, d.position DESC LIMIT ?",
            [match, cutoff[0]["rowid"] if cutoff else 0, *params, limit],
        )

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
