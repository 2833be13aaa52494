"""What a reader resuming after a position is sent: the present, never the past.

For each item (the article, each update, each comment) changed after that position, one message with its
current public state, in position order, each at the position of that item's latest change: a hidden
comment comes as hidden, without its text; a withdrawn story as withdrawn and nothing else; a revised
update in its current wording. A story republished since comes whole, in one message at its republication
(its items may have changed while it was withdrawn, when no reader was told). The cost follows the number
of items changed, not the number of events: the rows are the ``live_items`` read model's, one per item,
already encoded.

The same serves a web process whose live feed missed a batch (``web.fanout.feed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from projections.article_page import ARTICLE_STATE, public_view
from projections.article_page_queries import LiveOpening
from projections.documents import TimelineItem
from projections.registry import ReadModels

PAGE = 500


@dataclass
class CatchUp:
    """Pages of messages after ``after`` (one story's, or the site's), read one ``next_page`` at a time."""

    store: ReadModels
    after: int
    slug: str | None = None
    page: int = PAGE
    # What ``ReadModels.live_opening`` already read for it, if anything (a stream's first round trip).
    opening: LiveOpening | None = None
    # Nothing after this position (the channel's head when the opening was read): what came later an edge
    # holding the reader is told live (web.edge.hold).
    until: int | None = None
    # Every change up to here has been sent or was not for readers: a live stream skips frames up to it.
    through: int = field(init=False)
    _republished: list[tuple[int, str]] | None = field(default=None, init=False)
    _done: bool = field(default=False, init=False)
    _dispatched: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.through = self.after
        if self.until is None and self.opening is not None:
            self.until = self.opening.head

    def read_again_after(self, dispatched: int) -> None:
        """A live stream subscribed after its first page was read (``opening``): changes told live readers
        up to ``dispatched`` may have come since, which the stream will not get live, so once the first
        page is sent the store is asked again for what came after it."""
        self._dispatched = max(self._dispatched, dispatched)

    def next_page(self) -> list[TimelineItem] | None:
        """The next messages in position order, or None when there are no more."""
        if self._done:
            return None
        opened = self.opening is not None
        if self.opening is not None:
            self._republished, rows, self.opening = self.opening.republished, self.opening.changed, None
        else:
            if self._republished is None:
                self._republished = self.store.republished_after(self.after, self.slug, self.until)
            rows = self.store.live_changes(
                after=self.through, limit=self.page, slug=self.slug, until=self.until
            )
        last_page = len(rows) < self.page
        bound = rows[-1].position if rows and not last_page else None
        whole: dict[str, int] = {}
        messages: list[TimelineItem] = []
        while self._republished and (bound is None or self._republished[0][0] <= bound):
            position, slug = self._republished.pop(0)
            message = self._whole_story(position, slug)
            if message is not None:
                whole[slug] = position
                messages.append(message)
        for row in rows:
            # A story sent whole covers what its items were up to its republication.
            if row.position <= whole.get(row.slug, 0):
                continue
            messages.append(TimelineItem(row.position, row.slug, row.kind, row.data))
        messages.sort(key=lambda message: message.position)
        if rows:
            self.through = max(self.through, rows[-1].position)
        if messages:
            self.through = max(self.through, messages[-1].position)
        if last_page and not (opened and self._dispatched > self.through):
            self._done = True
        if not messages and self._done:
            return None
        return messages

    def _whole_story(self, position: int, slug: str) -> TimelineItem | None:
        page = self.store.article_page(slug)
        if page is None or page["status"] != "published":  # withdrawn again since the rows were read
            return None
        message = {
            "kind": ARTICLE_STATE,
            "slug": slug,
            "position": position,
            "version": page["version"],
            "at": page["updated_at"],
            "article": public_view(page),
        }
        return TimelineItem(position, slug, ARTICLE_STATE, orjson.dumps(message))
