"""Lists of stories: the front page (published stories, most recently active first, with counts), the same
per tag and per author, and every story with its status for the newsroom's desk.

Activity is the global position of the story's last publication, update or comment, so the order is total
and a page cursor is just a position. ``revised_at`` is when the story last got an update, a revised or
struck update, or a correction: what feeds report as the story's `updated` time. ``changed`` is the
position of any change at all, which orders the desk's list.

Tables:
  front_articles  one summary per article; ``listed`` while published; ``activity`` orders the page;
                  ``status`` (draft, scheduled, embargoed, published, withdrawn), ``changed`` and the
                  lower-cased ``headline`` serve the desk's list and its search
  front_tags      one row per (tag, listed article), with the article's activity, for tag pages
  front_authors   one row per (author, listed article), likewise, for author pages
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Final

from newsroom import richtext
from newsroom.article import ARTICLE_TOPICS, Article
from projections.documents import Column, Doc, Documents, EventByEvent, Table, micros
from projections.records import Data, Recorded

LISTED: Final = Table(
    "front_articles",
    columns=(
        Column("slug", "text"),
        Column("listed", "bool"),
        Column("activity", "int"),
        Column("status", "text"),
        Column("changed", "int"),
        Column("headline", "text"),
    ),
    indexes=(("listed", "activity"), ("changed",), ("status", "changed")),
)
TAGS: Final = Table(
    "front_tags",
    columns=(Column("tag", "text"), Column("article", "text"), Column("activity", "int")),
    indexes=(("tag", "activity"),),
)
AUTHORS: Final = Table(
    "front_authors",
    columns=(Column("author", "text"), Column("article", "text"), Column("activity", "int")),
    indexes=(("author", "activity"),),
)

# What is due when: one row per article with a publication or updates scheduled, ``due_us`` the soonest
# (microseconds since the epoch); the scheduler (``projections.scheduler``) releases what is due.
SCHEDULE: Final = Table(
    "front_schedule",
    columns=(Column("slug", "text"), Column("due_us", "int")),
    indexes=(("due_us",),),
)

EXCERPT: Final = 280
# What makes a feed re-emit a story's entry with a new `updated` time.
REVISIONS: Final = frozenset(
    event.TOPIC
    for event in (
        Article.Published,
        Article.UpdateAppended,
        Article.UpdateReleased,
        Article.UpdateRevised,
        Article.UpdateStruck,
    )
)
DRAFTED: Final = Article.Drafted.TOPIC
BODY_REVISED: Final = Article.BodyRevised.TOPIC
KEY_EVENT: Final = Article.UpdateKeyEventChanged.TOPIC
# Scheduled updates by id: their excerpt waits here until they are released.
DRAFTS: Final = "scheduled_excerpts"
# Comments readers do not see, by id: "held" for a moderator, or "hidden" (they are not counted).
UNSEEN: Final = "unseen_comments"

DRAFT, SCHEDULED, EMBARGOED, PUBLISHED, WITHDRAWN = (
    "draft",
    "scheduled",
    "embargoed",
    "published",
    "withdrawn",
)


class FrontPageProjection(EventByEvent):
    name = "front-page"
    # 2: every story's status for the desk, scheduled updates held back, authors listed like tags.
    # 3: erasure (the latest update's excerpt goes with it), comments held for moderation not counted.
    # 4: the latest update's excerpt follows its revisions, and goes when it is struck.
    version = 4
    tables = (LISTED, TAGS, AUTHORS, SCHEDULE)
    topics = ARTICLE_TOPICS

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        if event.topic != DRAFTED:
            yield LISTED, event.originator_id
        if event.topic in SCHEDULING:
            yield SCHEDULE, event.originator_id

    def apply_one(self, docs: Documents, event: Recorded) -> None:
        key = event.originator_id
        at = event.at
        topic = event.topic
        if topic == DRAFTED:
            data = event.data
            summary: Doc = {
                "slug": data["slug"],
                "headline": data["headline"],
                "byline": data["byline"].get("name") or None,
                "authors": list(data.get("authors", [])),
                "tags": list(data["tags"]),
                "status": DRAFT,
                "publish_at": None,
                "embargo_staff": [],
                "coverage_ended_at": None,
                "published_at": None,
                "last_activity_at": None,
                "revised_at": None,
                "changed_at": at,
                "update_count": 0,
                "comment_count": 0,
                "latest_update": None,
                DRAFTS: {},
                UNSEEN: {},
                "listed": False,
                "activity": 0,
                "changed": event.position,
            }
        else:
            existing = docs.get(LISTED, key)
            if existing is None:  # pragma: no cover - the log always starts an article with Drafted
                return
            summary = existing
        before = (summary["tags"], summary["authors"], summary["listed"], summary["activity"])
        change = _CHANGES.get(topic)
        if change is not None and change(summary, event.data, at):
            summary["activity"] = event.position
            summary["last_activity_at"] = at
        if (
            topic in REVISIONS
            or (topic == BODY_REVISED and event.data["correction_note"])
            or (topic == KEY_EVENT and event.data["key_event"])
        ):
            summary["revised_at"] = at  # feeds and the sitemap show it again: news, a correction, a key event
        summary["changed"] = event.position
        summary["changed_at"] = at
        docs.put(
            LISTED,
            key,
            summary,
            slug=summary["slug"],
            listed=summary["listed"],
            activity=summary["activity"],
            status=summary["status"],
            changed=summary["changed"],
            headline=summary["headline"].casefold(),
        )
        if topic in SCHEDULING:
            _schedule(docs, key, summary["slug"], event)
        # Index rows carry the listing and the activity: rewritten only when one of those moved.
        if (summary["tags"], summary["authors"], summary["listed"], summary["activity"]) != before:
            self._index(docs, TAGS, "tag", key, summary, summary["tags"], before[0] if before[2] else [])
            authors_before = before[1] if before[2] else []
            self._index(docs, AUTHORS, "author", key, summary, summary["authors"], authors_before)

    @staticmethod
    def _index(
        docs: Documents, table: Table, column: str, key: str, summary: Doc, now: list[str], was: list[str]
    ) -> None:
        listed = now if summary["listed"] else []
        for name in was:
            if name not in listed:
                docs.delete(table, f"{name}/{key}")
        for name in listed:
            columns = {column: name, "article": key, "activity": summary["activity"]}
            docs.put(table, f"{name}/{key}", {"article": key}, **columns)


# How each kind of event changes a summary; True when it counts as activity that moves the story up.
# Tag and author lists are replaced, never changed in place: ``apply_one`` compares them with before.
def _published(summary: Doc, data: Data, at: str) -> bool:
    summary["listed"] = True
    summary["status"] = PUBLISHED
    summary["publish_at"] = None
    summary["embargo_staff"] = []
    summary["published_at"] = summary["published_at"] or at
    return True


def _scheduled(summary: Doc, data: Data, at: str) -> bool:
    summary["status"] = SCHEDULED
    summary["publish_at"] = data["at"]["_data_"]
    return False


def _embargoed(summary: Doc, data: Data, at: str) -> bool:
    summary["status"] = EMBARGOED
    summary["publish_at"] = data["until"]["_data_"]
    summary["embargo_staff"] = list(data["staff"])
    return False


def _unscheduled(summary: Doc, data: Data, at: str) -> bool:
    summary["status"] = DRAFT
    summary["publish_at"] = None
    summary["embargo_staff"] = []
    return False


def _unpublished(summary: Doc, data: Data, at: str) -> bool:
    summary["listed"] = False
    summary["status"] = WITHDRAWN
    return False


def _coverage_ended(summary: Doc, data: Data, at: str) -> bool:
    summary["coverage_ended_at"] = at
    return False


def _headline(summary: Doc, data: Data, at: str) -> bool:
    summary["headline"] = data["headline"]
    return False


def _authors(summary: Doc, data: Data, at: str) -> bool:
    summary["authors"] = list(data["authors"])
    return False


def _excerpt(data: Data) -> Doc:
    text = data["text"] or {"body": "", "headline": "", "label": ""}
    return {
        "id": data["update_id"]["_data_"],
        "headline": text["headline"] or None,
        "label": text["label"] or None,
        "excerpt": richtext.plain(text["body"])[:EXCERPT],
    }


def _update_appended(summary: Doc, data: Data, at: str) -> bool:
    if data.get("publish_at") is not None:  # not shown before its time: kept until it is released
        summary[DRAFTS] = {**summary[DRAFTS], data["update_id"]["_data_"]: _excerpt(data)}
        return False
    summary["update_count"] += 1
    summary["latest_update"] = _excerpt(data)
    return True


def _update_released(summary: Doc, data: Data, at: str) -> bool:
    held = dict(summary[DRAFTS])
    excerpt = held.pop(data["update_id"]["_data_"], None)
    summary[DRAFTS] = held
    summary["update_count"] += 1
    if excerpt is not None:
        summary["latest_update"] = excerpt
    return True


def _update_revised(summary: Doc, data: Data, at: str) -> bool:
    """The excerpt of the latest update, or of one waiting for its time, shows its words as they are now."""
    update = data["update_id"]["_data_"]
    text = data["text"]
    scheduled = summary[DRAFTS]
    shown = scheduled.get(update) or summary["latest_update"]
    if text is None or shown is None or shown["id"] != update:
        return False
    revised = {**shown, "excerpt": richtext.plain(text["body"])[:EXCERPT]}
    if text.get("headline") is not None:
        revised["headline"] = text["headline"] or None
    if update in scheduled:
        summary[DRAFTS] = {**scheduled, update: revised}
    else:
        summary["latest_update"] = revised
    return False


def _update_struck(summary: Doc, data: Data, at: str) -> bool:
    """A struck update is no longer news: the lists do not show it as the latest (nor release it later)."""
    _forget_update(summary, data["update_id"]["_data_"])
    return False


def _forget_update(summary: Doc, update: str) -> bool:
    """Takes ``update`` out of the lists, as the one waiting for its time or as the latest; True when it
    was waiting (readers never saw it, so it was not counted)."""
    scheduled = dict(summary[DRAFTS])
    if scheduled.pop(update, None) is not None:
        summary[DRAFTS] = scheduled
        return True
    if (summary["latest_update"] or {}).get("id") == update:
        summary["latest_update"] = None
    return False


def _comment_added(summary: Doc, data: Data, at: str) -> bool:
    if data.get("held"):
        summary[UNSEEN] = {**summary[UNSEEN], data["comment_id"]["_data_"]: "held"}
        return False
    summary["comment_count"] += 1
    return True


def _comment_shown(summary: Doc, data: Data, at: str) -> bool:
    """Restored, or approved: counted again if readers did not see it."""
    unseen = dict(summary[UNSEEN])
    if unseen.pop(data["comment_id"]["_data_"], None) is None:
        return False
    summary[UNSEEN] = unseen
    summary["comment_count"] += 1
    return False


def _comment_gone(summary: Doc, data: Data, at: str) -> bool:
    """Hidden, or erased: no longer counted if readers saw it."""
    comment = data["comment_id"]["_data_"]
    unseen = dict(summary[UNSEEN])
    if comment not in unseen:
        summary["comment_count"] -= 1
    unseen[comment] = "hidden"
    summary[UNSEEN] = unseen
    return False


def _update_erased(summary: Doc, data: Data, at: str) -> bool:
    if not _forget_update(summary, data["update_id"]["_data_"]):
        summary["update_count"] -= 1
    return False


def _tagged(summary: Doc, data: Data, at: str) -> bool:
    summary["tags"] = [*summary["tags"], data["tag"]]
    return False


def _untagged(summary: Doc, data: Data, at: str) -> bool:
    summary["tags"] = [tag for tag in summary["tags"] if tag != data["tag"]]
    return False


_CHANGES: Final[dict[str, Callable[[Doc, Data, str], bool]]] = {
    Article.Published.TOPIC: _published,
    Article.PublicationScheduled.TOPIC: _scheduled,
    Article.Embargoed.TOPIC: _embargoed,
    Article.PublicationUnscheduled.TOPIC: _unscheduled,
    Article.Unpublished.TOPIC: _unpublished,
    Article.CoverageEnded.TOPIC: _coverage_ended,
    Article.HeadlineChanged.TOPIC: _headline,
    Article.AuthorsChanged.TOPIC: _authors,
    Article.UpdateAppended.TOPIC: _update_appended,
    Article.UpdateReleased.TOPIC: _update_released,
    Article.UpdateRevised.TOPIC: _update_revised,
    Article.UpdateStruck.TOPIC: _update_struck,
    Article.CommentAdded.TOPIC: _comment_added,
    Article.CommentApproved.TOPIC: _comment_shown,
    Article.CommentRestored.TOPIC: _comment_shown,
    Article.CommentHidden.TOPIC: _comment_gone,
    Article.CommentErased.TOPIC: _comment_gone,
    Article.UpdateErased.TOPIC: _update_erased,
    Article.Tagged.TOPIC: _tagged,
    Article.Untagged.TOPIC: _untagged,
}


SCHEDULING: Final = frozenset(
    event.TOPIC
    for event in (
        Article.PublicationScheduled,
        Article.Embargoed,
        Article.PublicationUnscheduled,
        Article.Published,
        Article.UpdateAppended,
        Article.UpdateReleased,
        Article.UpdateStruck,
        Article.UpdateErased,
    )
)


def _schedule(docs: Documents, key: str, slug: str, event: Recorded) -> None:
    """Keeps the article's row of what is due when: its publication, and each update not yet released."""
    data, topic = event.data, event.topic
    plan = docs.get(SCHEDULE, key) or {"slug": slug, "publication": None, "updates": {}}
    updates = dict(plan["updates"])
    if topic == Article.PublicationScheduled.TOPIC:
        plan["publication"] = data["at"]["_data_"]
    elif topic == Article.Embargoed.TOPIC:
        plan["publication"] = data["until"]["_data_"]
    elif topic in (Article.PublicationUnscheduled.TOPIC, Article.Published.TOPIC):
        plan["publication"] = None
    elif topic == Article.UpdateAppended.TOPIC:
        if data.get("publish_at") is None:
            return
        updates[data["update_id"]["_data_"]] = data["publish_at"]["_data_"]
    else:  # released, struck or erased
        updates.pop(data["update_id"]["_data_"], None)
    plan["updates"] = updates
    times = [*updates.values(), *([plan["publication"]] if plan["publication"] else [])]
    if not times:
        docs.delete(SCHEDULE, key)
        return
    due = min(micros(datetime.fromisoformat(moment)) for moment in times)
    docs.put(SCHEDULE, key, plan, slug=slug, due_us=due)


def public_summary(summary: Doc) -> Doc:
    """A summary as readers get it: without what only the newsroom sees."""
    return {key: value for key, value in summary.items() if key not in STAFF_ONLY}


STAFF_ONLY: Final = frozenset({DRAFTS, UNSEEN, "embargo_staff", "publish_at"})
