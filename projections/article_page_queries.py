"""The article page's queries: a story's page, its checkpoints and items as they stood, and what a reader
resuming a live stream is sent (``live_items``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import orjson

from newsroom.article import article_id
from projections.article_page import (
    ARTICLE_STATE,
    ARTICLE_WITHDRAWN,
    CHANNELS,
    COMMENT,
    LIVE,
    SITE_CHANNEL,
    UPDATE,
    page_header,
    public_comment,
    render_page,
)
from projections.article_page import CHECKPOINTS as PAGE_CHECKPOINTS
from projections.article_page import HEADERS as PAGE_HEADERS
from projections.article_page import ITEM_VERSIONS as PAGE_ITEM_VERSIONS
from projections.article_page import ITEMS as PAGE_ITEMS
from projections.article_page import PROFILES as PAGE_PROFILES
from projections.documents import Doc
from projections.sqlstore import SQLReadModels

# An update or comment as a page shows it at some version, its JSON still encoded:
# (id, kind, position, shown, pinned, doc). Plain tuples as the driver returns them: an as-of page of a long
# story holds thousands, and building an object per item made the garbage collector the slowest part.
ItemRow = tuple[str, str, int, Any, Any, bytes]


NO_POSITION = 2**62
# An upper bound on positions in SQL: an expression and its parameters.
Bound = tuple[str, tuple[Any, ...]]


def _bound(until: int | Bound) -> Bound:
    return ("?", (until,)) if isinstance(until, int) else until


class LiveRow(NamedTuple):
    """An item's current message as stored: what a reader resuming before ``position`` is sent."""

    position: int
    kind: str
    data: bytes
    slug: str
    article: str


class LiveOpening(NamedTuple):
    published: bool  # the story asked for is published now (always True for the whole site)
    republished: list[tuple[int, str]]
    changed: list[LiveRow]
    # The position of the channel's last live message, when asked for: what was read goes no further.
    head: int | None = None
    # The story has been public (it may be withdrawn now): readers may have its channel's messages.
    known: bool = True


class ArticlePageQueries(SQLReadModels):
    def article_page(self, slug: str, *, staff: bool = False) -> Doc | None:
        """The whole page document (drafts and unpublished included; callers decide who sees them); updates
        not yet released only for ``staff``."""
        key = article_id(slug).hex
        header = self._rows(f"SELECT doc FROM {self.table(PAGE_HEADERS)} WHERE key = ?", (key,))
        if not header:
            return None
        items = self._rows(
            f"SELECT kind, doc FROM {self.table(PAGE_ITEMS)} WHERE article = ? ORDER BY position", (key,)
        )
        return render_page(
            orjson.loads(header[0]["doc"]),
            [(row["kind"], orjson.loads(row["doc"])) for row in items],
            staff=staff,
        )

    def reader_page(self, slug: str, *, before: int | None = None, limit: int = 30) -> Doc | None:
        """A story as its reader page shows it, reading only that page's part of a long story: the
        newest ``limit`` updates shown before ``before`` (a position), and, whatever their age, the
        pinned updates and the key events (``top``) and every visible comment. ``older`` is the position
        to ask for the page before this one (None: this page reaches the first update). The whole story
        otherwise as ``article_page`` has it, drafts included: callers decide who sees it."""
        key = article_id(slug).hex
        queries: list[tuple[str, Sequence[Any]]] = [
            (self.sql(f"SELECT doc FROM {self.table(PAGE_HEADERS)} WHERE key = ?"), (key,)),
            (
                self.sql(
                    f"SELECT doc, position FROM {self.table(PAGE_ITEMS)} WHERE article = ? AND kind = ? "
                    "AND shown = ? AND position < ? ORDER BY position DESC LIMIT ?"
                ),
                (key, UPDATE, True, before if before is not None else NO_POSITION, limit + 1),
            ),
            (
                self.sql(f"SELECT doc FROM {self.table(PAGE_ITEMS)} WHERE article = ? AND top = ?"),
                (key, True),
            ),
            (
                self.sql(
                    f"SELECT doc FROM {self.table(PAGE_ITEMS)} WHERE article = ? AND kind = ? AND shown = ? "
                    "ORDER BY position"
                ),
                (key, COMMENT, False),
            ),
        ]
        with self.datastore.transaction(commit=False) as cursor:
            header, updates, top, comments = self.opening(cursor, queries)
        if not header:
            return None
        page_updates = [orjson.loads(row["doc"]) for row in updates[:limit]]
        shown = [doc for doc in (orjson.loads(row["doc"]) for row in top) if not doc.get("scheduled")]
        return {
            **page_header(orjson.loads(header[0]["doc"])),
            "updates": page_updates[::-1],  # oldest first, as article_page has them
            "top": sorted(shown, key=lambda doc: doc["position"]),
            "comments": [
                public_comment(doc)
                for doc in (orjson.loads(row["doc"]) for row in comments)
                if not doc["hidden"] and not doc.get("held")
            ],
            "older": int(updates[limit - 1]["position"]) if len(updates) > limit else None,
        }

    def labels(self, slugs: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]:
        """The tags and authors of these stories, as their pages stand (a story not there is left out)."""
        if not slugs:
            return {}
        marks = ", ".join("?" * len(slugs))
        rows = self._rows(
            f"SELECT doc FROM {self.table(PAGE_HEADERS)} WHERE key IN ({marks})",
            tuple(article_id(slug).hex for slug in slugs),
        )
        docs = (orjson.loads(row["doc"]) for row in rows)
        return {doc["slug"]: (list(doc["tags"]), list(doc.get("authors", []))) for doc in docs}

    def page_item(self, key: str, position: int) -> Doc | None:
        """An update or comment as its page shows it, once the read model holds ``position`` (waiting up
        to a couple of seconds for it): for one who just wrote it (a comment says if it is ``held``)."""
        self.wait_for(position, 2.0, "article-pages")
        rows = self._rows(f"SELECT kind, doc FROM {self.table(PAGE_ITEMS)} WHERE key = ?", (key,))
        if not rows:
            return None
        doc: Doc = orjson.loads(rows[0]["doc"])
        if rows[0]["kind"] != COMMENT:
            return doc
        return {**public_comment(doc), "held": bool(doc.get("held"))}

    def item_of(self, slug: str, key: str) -> tuple[str, Doc] | None:
        """An update or comment of this story, with its kind, as the read model keeps it."""
        rows = self._rows(
            f"SELECT kind, doc FROM {self.table(PAGE_ITEMS)} WHERE key = ? AND article = ?",
            (key, article_id(slug).hex),
        )
        return (rows[0]["kind"], orjson.loads(rows[0]["doc"])) if rows else None

    def profiles(self, names: Sequence[str]) -> list[Doc]:
        """The public profiles of these staff members, in that order (one who has none yet is left out)."""
        if not names:
            return []
        marks = ", ".join("?" * len(names))
        rows = self._rows(
            f"SELECT doc FROM {self.table(PAGE_PROFILES)} WHERE name IN ({marks})", tuple(names)
        )
        found = {doc["name"]: doc for doc in (orjson.loads(row["doc"]) for row in rows)}
        return [found[name] for name in names if name in found]

    def page_checkpoint(
        self, article: str, *, version: int | None = None, at_us: int | None = None
    ) -> tuple[int, Doc] | None:
        """The newest header checkpoint at or before a version or an instant: (version, {at, header})."""
        column, bound = ("version", version) if version is not None else ("at_us", at_us)
        rows = self._rows(
            f"SELECT version, doc FROM {self.table(PAGE_CHECKPOINTS)} WHERE article = ? AND {column} <= ? "
            "ORDER BY version DESC LIMIT 1",
            (article, bound),
        )
        return (int(rows[0]["version"]), orjson.loads(rows[0]["doc"])) if rows else None

    def next_page_checkpoint(self, article: str, after_version: int) -> int | None:
        rows = self._rows(
            f"SELECT MIN(version) AS next FROM {self.table(PAGE_CHECKPOINTS)} "
            "WHERE article = ? AND version > ?",
            (article, after_version),
        )
        return int(rows[0]["next"]) if rows and rows[0]["next"] is not None else None

    def page_items_as_of(self, article: str, version: int) -> dict[str, ItemRow]:
        """Every update and comment of an article as it stood at ``version``, by id, in position order."""
        # One index range read in version order; the newest state of each item wins, keeping the place of
        # its first state (creation order is position order). Most items never change, so this beats a
        # window function.
        with self.datastore.transaction(commit=False) as cursor:
            rows = self.plain_rows(
                cursor,
                self.sql(
                    f"SELECT item, kind, position, shown, pinned, doc FROM {self.table(PAGE_ITEM_VERSIONS)} "
                    "WHERE article = ? AND version <= ? ORDER BY version"
                ),
                (article, version),
            )
        return {row[0]: row for row in rows}

    def live_changes(
        self, *, after: int, limit: int, slug: str | None = None, until: int | None = None
    ) -> list[LiveRow]:
        """Items changed after a position (and up to ``until``) that readers may see now, oldest change
        first: the items of published stories, and withdrawn stories (only that they were withdrawn); one
        row per item, its current message, at the position of its latest change. One article's, or the
        whole site's."""
        return self._live_rows(self._rows(*self._live_changes_query(after, limit, slug, until)))

    def live_opening(
        self, *, slug: str | None, after: int | None, limit: int, head: bool = False
    ) -> LiveOpening:
        """What a live stream needs before it starts, read in one transaction (one round trip where the
        backend can): whether the story is published, and with a position to resume after, the stories
        republished since and the first ``limit`` items changed since. With ``head``, also where the
        channel's live messages have reached, and nothing read goes beyond it (statements of one
        transaction may each see later commits on PostgreSQL: the head read first bounds the others)."""
        queries: list[tuple[str, Sequence[Any]]] = []
        bound = None
        if head:
            bound = self._channel_head(slug)
            queries.append((f"SELECT {bound[0]} AS head", bound[1]))
        if slug is not None:
            queries.append(
                (self.sql(f"SELECT kind FROM {self.table(LIVE)} WHERE key = ?"), (article_id(slug).hex,))
            )
        if after is not None:
            queries.append(self._republished_query(after, slug, bound))
            queries.append(self._live_changes_query(after, limit, slug, bound))
        if not queries:
            return LiveOpening(True, [], [])
        with self.datastore.transaction(commit=False) as cursor:
            answers = self.opening(cursor, queries, snapshot=head)
        reached = int(answers.pop(0)[0]["head"]) if head else None
        known = slug is None or bool(answers[0])
        published = known and (slug is None or answers[0][0]["kind"] == ARTICLE_STATE)
        if after is None:
            return LiveOpening(published, [], [], reached, known)
        republished, changed = answers[-2:]
        return LiveOpening(
            published,
            [(int(row["republished"]), row["slug"]) for row in republished],
            self._live_rows(changed),
            reached,
            known,
        )

    def _channel_head(self, slug: str | None) -> Bound:
        """An SQL expression for where a channel's live messages have reached (0: none yet)."""
        channel = SITE_CHANNEL if slug is None else article_id(slug).hex
        return (
            self.sql(f"COALESCE((SELECT position FROM {self.table(CHANNELS)} WHERE key = ?), 0)"),
            (channel,),
        )

    def _live_changes_query(
        self, after: int, limit: int, slug: str | None, until: int | Bound | None = None
    ) -> tuple[str, Sequence[Any]]:
        where = "l.position > ?"
        params: list[Any] = [after]
        if until is not None:
            expression, values = _bound(until)
            where += f" AND l.position <= {expression}"
            params.extend(values)
        if slug is not None:
            where += " AND l.article = ?"
            params.append(article_id(slug).hex)
        return self.sql(
            f"SELECT l.position, l.kind, l.doc, l.slug, l.article FROM {self.table(LIVE)} l "
            f"JOIN {self.table(LIVE)} h ON h.key = l.article WHERE {where} "
            "AND (h.kind = ? OR (l.key = l.article AND l.kind = ?)) ORDER BY l.position LIMIT ?"
        ), (*params, ARTICLE_STATE, ARTICLE_WITHDRAWN, limit)

    @staticmethod
    def _live_rows(rows: Iterable[Any]) -> list[LiveRow]:
        return [
            LiveRow(int(row["position"]), row["kind"], bytes(row["doc"]), row["slug"], row["article"])
            for row in rows
        ]

    def republished_after(
        self, after: int, slug: str | None = None, until: int | Bound | None = None
    ) -> list[tuple[int, str]]:
        """(position, slug) of the published stories republished after a position, oldest first."""
        rows = self._rows(*self._republished_query(after, slug, until))
        return [(int(row["republished"]), row["slug"]) for row in rows]

    def _republished_query(
        self, after: int, slug: str | None, until: int | Bound | None = None
    ) -> tuple[str, Sequence[Any]]:
        where = "key = article AND kind = ? AND republished > ?"
        params: list[Any] = [ARTICLE_STATE, after]
        if until is not None:
            expression, values = _bound(until)
            where += f" AND republished <= {expression}"
            params.extend(values)
        if slug is not None:
            where += " AND article = ?"
            params.append(article_id(slug).hex)
        return self.sql(
            f"SELECT republished, slug FROM {self.table(LIVE)} WHERE {where} ORDER BY republished"
        ), params

    def live_head(self) -> int:
        """The position of the newest change to any item (0 when there is none)."""
        rows = self._rows(f"SELECT MAX(position) AS head FROM {self.table(LIVE)}")
        return int(rows[0]["head"] or 0) if rows else 0
