"""Searching the stories and updates: ranked by the backend's full-text index, with snippets in which the
words found are marked.

Both rank among the most recent matches (``CANDIDATES``), so that a word found in every story still answers
in milliseconds (ranking all 50,000 matches of a common word took 150 ms on SQLite; the most recent 1,000
are found in 1): SQLite with FTS5's bm25 over the rows from the 1,000th newest match on, PostgreSQL with
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
from projections.search import DOCS, LESS_THAN, TEXT_SEARCH
from projections.sqlstore import SQLReadModels

START, STOP = "\x01", "\x02"
CANDIDATES: Final = 1000  # the most recent matches ranked
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
            rows = self._tsvector(text, filters, params, limit)
        results = []
        for row in rows:
            doc: Doc = orjson.loads(row["doc"])
            doc.pop("body_text", None)
            doc["snippet"] = _marked(row["snippet"] or "")
            results.append(doc)
        return results

    def _fts5(self, words: list[str], filters: str, params: list[Any], limit: int) -> list[Any]:
        match = " ".join(f'"{word}"' for word in words)  # each word quoted: no query syntax gets through
        fts, docs = f'"{DOCS.name}_fts"', self.table(DOCS)
        matching = f"FROM {fts} f JOIN {docs} d ON d.rowid = f.rowid WHERE {fts} MATCH ?{filters}"
        # Rows are numbered as they were first written: the newest matches are those from this row on.
        cutoff = self._rows(
            f"SELECT f.rowid {matching} ORDER BY f.rowid DESC LIMIT 1 OFFSET {CANDIDATES - 1}",
            [match, *params],
        )
        best = self._rows(
            f"SELECT f.rowid {matching} AND f.rowid >= ? ORDER BY rank LIMIT ?",
            [match, *params, cutoff[0]["rowid"] if cutoff else 0, limit],
        )
        if not best:
            return []
        # Snippets for the best only: making one for every candidate cost more than ranking them.
        rowids = [row["rowid"] for row in best]
        rows = self._rows(
            f"SELECT f.rowid, d.doc, snippet({fts}, 0, char(1), char(2), '…', 24) AS snippet "
            f"FROM {fts} f JOIN {docs} d ON d.rowid = f.rowid "
            f"WHERE {fts} MATCH ? AND f.rowid IN ({', '.join('?' for _ in rowids)})",
            [match, *rowids],
        )
        order = {rowid: index for index, rowid in enumerate(rowids)}
        return sorted(rows, key=lambda row: order[row["rowid"]])

    def _tsvector(self, text: str, filters: str, params: list[Any], limit: int) -> list[Any]:
        # The query is written out in each place rather than shared from a CTE, and planned for its words
        # each time: only then can the planner see how common they are (a common word is best found by
        # reading the newest rows back until enough match, a rare one through the GIN index; a plan for
        # any words at all read every match of a common one, 100 ms).
        query = f"websearch_to_tsquery('{TEXT_SEARCH}', ?)"
        statement = (
            f"WITH found AS (SELECT d.doc, d.body, d.search_vector, d.position FROM {self.table(DOCS)} d "
            f"WHERE d.search_vector @@ {query}{filters} ORDER BY d.position DESC LIMIT {CANDIDATES}), "
            f"ranked AS (SELECT found.*, ts_rank_cd(found.search_vector, {query}) AS rank FROM found "
            "ORDER BY rank DESC, found.position DESC LIMIT ?) "
            f"SELECT ranked.doc, ts_headline('{TEXT_SEARCH}', ranked.body, {query}, "
            "'StartSel=\x01, StopSel=\x02, MaxFragments=1, MaxWords=30, MinWords=12') AS snippet "
            "FROM ranked ORDER BY ranked.rank DESC, ranked.position DESC"
        )
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            cursor.execute(self.sql(statement), (text, *params, text, limit, text))
            return list(cursor.fetchall())


def _marked(snippet: str) -> str:
    """The snippet as HTML: its text escaped, the matches in ``<mark>``."""
    escaped = html.escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")
    return escaped.replace(LESS_THAN, "&lt;")
