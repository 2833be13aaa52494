"""The Newsroom application: commands for editors, moderators and readers, and the queries auditors need.

Every command returns a ``Receipt`` with the article's new version and the global position of its last event.
Appends (updates, comments, moderation) retry on the store's conflict, so two editors writing at the same
moment both succeed; a command given an ``expected_version`` fails with ``VersionConflictError`` instead, so
an edit made against a stale page is never applied blindly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    Cache,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording, Transcoder
from msgspec import UNSET

from newsroom import actions, article_events, commands, rules
from newsroom.actions import Order
from newsroom.article import Article, article_id
from newsroom.bans import BANS_ID, Bans
from newsroom.commands import Command, given
from newsroom.database import prepare
from newsroom.errors import (
    ArticleNotFoundError,
    CommentNotFoundError,
    ContentionError,
    NewsroomError,
    SlugTakenError,
    StaffNameTakenError,
    StaffNotFoundError,
    ValidationError,
    VersionConflictError,
    VersionNotFoundError,
)
from newsroom.idempotency import IdempotentRequest, RequestKey
from newsroom.positions import position_of
from newsroom.retrying import until_saved
from newsroom.saving import Change, Saver, collect
from newsroom.sealing import sealed_key, unseal
from newsroom.sign_in import SignIn
from newsroom.staff import OPERATOR, Permission, Principal, Role, Staff, staff_id
from newsroom.startup import retry_catalog_races
from newsroom.transcoding import OrjsonTranscoder
from newsroom.vault import vault_for

P = ParamSpec("P")


def _executes(kind: type[commands.Change]) -> Callable[..., Receipt]:
    """An application method that makes a change to an article (``commands.build``) and executes it:
    ``app.revise_update(slug, update_id, body=..., by=editor)``."""

    def method(self: Newsroom, slug: str, /, *args: Any, **kwargs: Any) -> Receipt:
        return self.execute(commands.build(kind, slug, *args, **kwargs))

    method.__name__ = method.__qualname__ = kind.name()
    method.__doc__ = kind.__doc__
    return method


@dataclass(frozen=True)
class Receipt:
    version: int
    position: int  # 0 when nothing was stored (every comment of a bulk action was already as asked)
    id: UUID | None = None  # what the command created: an update, comment, embed or ban
    replayed: bool = False  # True when this is the stored answer to a retried request
    token: str | None = None  # a staff member's new token: shown once, stored nowhere
    unchanged: tuple[tuple[str, UUID], ...] = ()  # comments a bulk action passed over (already as asked)


Handler = Callable[["Newsroom", Order], Receipt]
_HANDLERS: dict[type[actions.Action], Handler] = {}


def _handles(kind: type[actions.Action]) -> Callable[[Handler], Handler]:
    """Registers the method that runs an action (``Newsroom.handle``)."""

    def register(method: Handler) -> Handler:
        _HANDLERS[kind] = method
        return method

    return register


@dataclass(frozen=True)
class Prepared:
    """A command run on a copy of its article, the events it recorded collected for saving."""

    command: Command
    article: Article
    change: Change
    created: UUID | None


class Newsroom(Application[UUID]):
    name = "Newsroom"
    # A snapshot every 100 events bounds a cold load. The cache holds each aggregate as this process last
    # saved or read it and is not fast-forwarded on every read: a command runs on the cached copy without a
    # query, and if another process wrote first, the store refuses the save, the copy is brought up to date
    # and the command runs again (optimistic concurrency). Queries and staff changes read what is stored now.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Article: 100}
    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "2000",
        "AGGREGATE_CACHE_FASTFORWARD": "n",
    }

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self.vault = retry_catalog_races(lambda: vault_for(self.recorder))
        self.saver = Saver(self, self.vault, self.snapshotting_intervals)
        self.sign_in = SignIn(self._current, self._cached, self.vault)

    @classmethod
    def from_url(cls, database_url: str, **env: str) -> Newsroom:
        settings = {**prepare(database_url), **env}
        return retry_catalog_races(lambda: cls(env=settings))

    def on_saved(self, listener: Callable[[int, int], None]) -> None:
        """Calls ``listener(position, events)`` after each article save in this process: the newest
        position and how many events the save stored (the embedded projector's wake-up, and a metric)."""
        self.saver.on_saved(listener)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Saves aggregates as commands do (``Saver``): with the keys sealing their events' text, and
        grouped with other threads' saves."""
        if kwargs or not all(isinstance(obj, Aggregate) for obj in objs):
            raise TypeError("Newsroom.save takes aggregates")
        return self.saver.save(list(objs))

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()

    # -- the one entry for every write ---------------------------------------------------------------

    def handle(self, command: Command | Order) -> Receipt:
        """Runs a write, a change to an article (``newsroom.commands``) or any other action
        (``newsroom.actions``), and says what it stored."""
        if isinstance(command, Command):
            return self.execute(command)
        return _HANDLERS[type(command.action)](self, command)

    @_handles(actions.DraftArticle)
    def _draft(self, order: Order) -> Receipt:
        drafted = cast("actions.DraftArticle", order.action)
        if order.request is not None and (replayed := self._replay(order.request)):
            return replayed
        name, bio = drafted.byline_of(order.by)
        article = Article.draft(
            slug=drafted.slug,
            headline=drafted.headline,
            body=drafted.body,
            byline_name=name,
            byline_bio=bio,
            tags=drafted.tags,
            authors=drafted.authors,
            actor=order.by.actor,
        )
        if article.id in self.repository:
            raise SlugTakenError(f"slug {article.slug} is taken", slug=article.slug)
        try:
            recordings = self._save_with_key(article, None, order.request)
        except IntegrityError:
            if order.request is not None and (replayed := self._replay(order.request)):
                return replayed
            raise SlugTakenError(f"slug {article.slug} is taken", slug=article.slug) from None
        return Receipt(version=article.version, position=_position(recordings, article.id))

    @_handles(actions.AddStaff)
    def _add_staff(self, order: Order) -> Receipt:
        added = cast("actions.AddStaff", order.action)
        member, token = Staff.join(name=added.name, role=added.role, actor=order.by.actor)
        if member.id in self.repository:
            raise StaffNameTakenError(f"staff name {member.name} is taken", name=member.name)
        # Into the vault before the event that names it: a failed save leaves a hash no event names.
        self.vault.put(token.vault_name, token.token_hash.encode())
        try:
            recordings = self.save(member)
        except IntegrityError:
            raise StaffNameTakenError(f"staff name {member.name} is taken") from None
        return Receipt(version=member.version, position=_position(recordings), token=token.token)

    @_handles(actions.IssueToken)
    def _issue_token(self, order: Order) -> Receipt:
        member = self._staff(order.subject)
        token = member.issue_token(actor=order.by.actor)
        self.vault.put(token.vault_name, token.token_hash.encode())
        recordings = self.save(member)
        return Receipt(version=member.version, position=_position(recordings), token=token.token)

    @_handles(actions.ChangeRole)
    def _change_role(self, order: Order) -> Receipt:
        member = self._staff(order.subject)
        member.change_role(cast("actions.ChangeRole", order.action).role, actor=order.by.actor)
        return Receipt(version=member.version, position=_position(self.save(member)))

    @_handles(actions.ChangeProfile)
    def _change_profile(self, order: Order) -> Receipt:
        if order.by.name != order.subject:  # one's own profile, or an admin's doing
            order.by.require(Permission.MANAGE_STAFF)
        profile = cast("actions.ChangeProfile", order.action)
        member = self._staff(order.subject)
        member.change_profile(
            display_name=profile.display_name,
            bio=profile.bio,
            picture_url=profile.picture_url,
            actor=order.by.actor,
        )
        return Receipt(version=member.version, position=_position(self.save(member)))

    @_handles(actions.DeactivateStaff)
    def _deactivate_staff(self, order: Order) -> Receipt:
        member = self._staff(order.subject)
        member.deactivate(actor=order.by.actor)
        return Receipt(version=member.version, position=_position(self.save(member)))

    # -- staff and signing in (newsroom.sign_in) -----------------------------------------------------

    def staff_members(self) -> list[Staff]:
        """Every staff member as stored now, by name."""
        ids: list[UUID] = []
        start = 1
        while page := self.recorder.select_notifications(start=start, limit=500, topics=[Staff.Joined.TOPIC]):
            ids.extend(UUID(str(notification.originator_id)) for notification in page)
            start = page[-1].id + 1
        members = [cast("Staff", self._current(member_id)) for member_id in ids]
        return sorted(members, key=lambda member: member.name)

    def authenticate(self, token: str) -> Principal:
        return self.sign_in.authenticate(token)

    def known_principal(self, token: str) -> Principal | None:
        return self.sign_in.known_principal(token)

    # -- moderators and admins ------------------------------------------------------------------------

    @_handles(actions.BanCommenter)
    def _ban(self, order: Order) -> Receipt:
        asked = cast("actions.BanCommenter", order.action)
        name, client = given(asked.name), given(asked.client)
        return self._change_bans(
            lambda bans: bans.ban(name=name, client=client, reason=asked.reason, actor=order.by.actor)
        )

    @_handles(actions.LiftBan)
    def _lift_ban(self, order: Order) -> Receipt:
        reason = cast("actions.LiftBan", order.action).reason
        return self._change_bans(lambda bans: bans.lift(order.subject, reason=reason, actor=order.by.actor))

    @_handles(actions.EraseBan)
    def _erase_ban(self, order: Order) -> Receipt:
        reason = cast("actions.EraseBan", order.action).reason
        return self._change_bans(lambda bans: bans.erase(order.subject, reason=reason, actor=order.by.actor))

    def _change_bans(self, change: Callable[[Bans], object]) -> Receipt:
        def attempt() -> Receipt:  # two moderators at once: the second goes again on the first's bans
            try:
                bans: Bans = self._current(BANS_ID)
            except AggregateNotFoundError:
                bans = Bans.start(actor=OPERATOR.actor)
            result = change(bans)
            recordings = self.save(bans)
            created = result if isinstance(result, UUID) else None
            return Receipt(version=bans.version, position=_position(recordings), id=created)

        return until_saved(attempt, lambda: ContentionError("the bans are too busy; try again"))

    @_handles(actions.EraseComments)
    def _erase_comments(self, order: Order) -> Receipt:
        erased = cast("actions.EraseComments", order.action)
        slug, actor = order.subject, order.by.actor
        comment_ids = [UUID(hex=comment) for comment in erased.comments]

        def attempt() -> Receipt:
            article = self.article(slug)
            for comment_id in comment_ids:
                if not article.erased(comment_id):
                    article.erase_comment(comment_id, reason=erased.reason, actor=actor)
            recordings = self.save(article) if article.pending_events else []
            position = _position(recordings) if recordings else 0
            return Receipt(version=article.version, position=position)

        return until_saved(attempt, lambda: _busy(slug))

    @_handles(actions.ModerateComments)
    def _moderate_comments(self, order: Order) -> Receipt:
        """All or nothing, across stories, in one save; the receipt's position is 0 when none changed."""
        asked = cast("actions.ModerateComments", order.action)
        action, reason, actor = asked.action, given(asked.reason) or "", order.by.actor
        if action != "approve" and not reason:
            raise ValidationError("reason", "say why: it is kept on the record, and shown to moderators")
        comments = [(ref.slug, _comment_id(ref.id)) for ref in asked.comments]

        def attempt() -> Receipt:
            articles: dict[str, Article] = {}
            passed: list[tuple[str, UUID]] = []
            for slug, comment_id in comments:
                article = articles.get(slug) or articles.setdefault(slug, self.article(slug))
                hidden = article.require_comment(comment_id)
                if action == "hide" and not hidden:
                    article.hide_comment(comment_id, reason=reason, actor=actor)
                elif action == "restore" and hidden:
                    article.restore_comment(comment_id, reason=reason, actor=actor)
                elif action == "approve" and not hidden:
                    article.approve_comment(comment_id, actor=actor)
                else:
                    passed.append((slug, comment_id))
            changed = [article for article in articles.values() if article.pending_events]
            if not changed:
                return Receipt(version=0, position=0, unchanged=tuple(passed))
            recordings = self.save(*changed)
            return Receipt(
                version=changed[-1].version, position=_position(recordings), unchanged=tuple(passed)
            )

        return until_saved(attempt, lambda: ContentionError("those stories are too busy; try again"))

    # -- the same writes from Python, as the CLI, the demo and tests make them ------------------------

    if TYPE_CHECKING:
        # One method per change to an article (newsroom.commands.CHANGES), each made and executed on its
        # own: ``app.append_update(slug, body=..., by=editor)``. Made below, from the declarations.
        def __getattr__(self, name: str) -> Callable[..., Receipt]: ...

    def draft_article(
        self,
        *,
        slug: str,
        headline: str,
        body: str,
        byline_name: str = "",
        byline_bio: str = "",
        tags: list[str] | None = None,
        authors: list[str] | None = None,
        by: Principal,
        request: RequestKey | None = None,
    ) -> Receipt:
        byline = actions.Byline(name=byline_name, bio=byline_bio or None) if byline_name else None
        drafted = actions.DraftArticle(
            slug=slug, headline=headline, body=body, byline=byline, tags=tags, authors=authors
        )
        return self.handle(Order(drafted, by, request=request))

    def add_staff(self, name: str, role: Role, *, by: Principal) -> tuple[Receipt, str]:
        """A new staff member; returns the receipt and their token, which is not stored anywhere."""
        receipt = self.handle(Order(actions.AddStaff(name=name, role=role), by))
        assert receipt.token is not None
        return receipt, receipt.token

    def issue_token(self, name: str, *, by: Principal) -> tuple[Receipt, str]:
        """A fresh token for a staff member; the old one stops working."""
        receipt = self.handle(Order(actions.IssueToken(), by, subject=name))
        assert receipt.token is not None
        return receipt, receipt.token

    def change_role(self, name: str, role: Role, *, by: Principal) -> Receipt:
        return self.handle(Order(actions.ChangeRole(role=role), by, subject=name))

    def change_profile(
        self, name: str, *, display_name: str, bio: str | None, picture_url: str | None, by: Principal
    ) -> Receipt:
        profile = actions.ChangeProfile(display_name=display_name, bio=bio, picture_url=picture_url)
        return self.handle(Order(profile, by, subject=name))

    def deactivate_staff(self, name: str, *, by: Principal) -> Receipt:
        return self.handle(Order(actions.DeactivateStaff(), by, subject=name))

    def ban_commenter(self, *, name: str | None, client: str | None, reason: str, by: Principal) -> Receipt:
        banned = actions.BanCommenter(
            reason=reason, name=UNSET if name is None else name, client=UNSET if client is None else client
        )
        return self.handle(Order(banned, by))

    def lift_ban(self, ban_id: UUID, *, reason: str, by: Principal) -> Receipt:
        return self.handle(Order(actions.LiftBan(reason=reason), by, subject=ban_id))

    def erase_ban(self, ban_id: UUID, *, reason: str, by: Principal) -> Receipt:
        return self.handle(Order(actions.EraseBan(reason=reason), by, subject=ban_id))

    def erase_comments(
        self, slug: str, comment_ids: Sequence[UUID], *, reason: str, by: Principal
    ) -> Receipt:
        erased = actions.EraseComments(comments=[comment.hex for comment in comment_ids], reason=reason)
        return self.handle(Order(erased, by, subject=slug))

    def moderate_comments(
        self, action: str, comments: Sequence[tuple[str, UUID]], *, reason: str | None, by: Principal
    ) -> tuple[Receipt | None, list[tuple[str, UUID]]]:
        """Hides, restores or approves many comments; the receipt is None when none changed, and the
        comments already as asked are returned."""
        if action not in actions.MODERATION_ACTIONS:
            raise ValidationError("action", f"must be one of {', '.join(actions.MODERATION_ACTIONS)}")
        refs = [actions.CommentRef(slug=slug, id=comment.hex) for slug, comment in comments]
        asked = actions.ModerateComments(
            action=cast("Any", action), comments=refs, reason=UNSET if reason is None else reason
        )
        receipt = self.handle(Order(asked, by))
        return (receipt if receipt.position else None), list(receipt.unchanged)

    # -- queries -----------------------------------------------------------------------------------

    def article(self, slug: str, *, version: int | None = None) -> Article:
        """The aggregate as stored now, or as it stood at ``version``."""
        checked = rules.slug(slug)
        try:
            if version is None:
                return cast("Article", self._current(article_id(checked)))
            article: Article = self.repository.get(article_id(checked), version=version)
        except AggregateNotFoundError:
            if version is None or article_id(checked) not in self.repository:
                raise ArticleNotFoundError(f"no article {checked}", slug=checked) from None
            article = self._current(article_id(checked))
        if version is not None and article.version != version:
            # The store answers "up to version N" with the latest when N is beyond it.
            raise VersionNotFoundError(
                f"{checked} has versions 1 to {article.version}, not {version}",
                latest_version=article.version,
            )
        return article

    def article_events(
        self, slug: str, *, after_version: int | None = None, up_to_version: int | None = None
    ) -> Iterator[article_events.Event]:
        """An article's events in version order (empty for an unknown slug)."""
        events = self.events.get(article_id(rules.slug(slug)), gt=after_version, lte=up_to_version)
        return cast("Iterator[article_events.Event]", iter(events))

    def text_of(self, event: Any) -> dict[str, Any] | None:
        """The sealed text an event holds (an update's words, a comment and its author), opened; None where
        its key is gone (it was erased)."""
        name = sealed_key(event.sealed)
        return unseal(event.sealed, self.vault.get(name) if name is not None else None)

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    # -- plumbing ----------------------------------------------------------------------------------

    def _current(self, aggregate_id: UUID) -> Any:
        """A copy of the aggregate as stored now: the cached one brought up to date with what other
        processes saved since (one query), and the cache moved on with it."""
        aggregate: Aggregate = self.repository.get(aggregate_id)
        newer = list(self.events.get(aggregate_id, gt=aggregate.version))
        if newer:
            aggregate = cast("Aggregate", project_aggregate(aggregate, newer))
            cached = self._cached(aggregate_id)
            # Not atomic with a concurrent save's put: an older copy left behind costs one refused save
            # and a re-read, never a wrong answer.
            if cached is None or cached.version < aggregate.version:
                self._cache.put(aggregate_id, deepcopy(aggregate))
        return aggregate

    def _cached(self, aggregate_id: UUID) -> Aggregate | None:
        """The cached copy itself (never to be changed: commands get copies), or None."""
        try:
            return cast("Aggregate", self._cache.get(aggregate_id))
        except KeyError:
            return None

    @property
    def _cache(self) -> Cache[UUID, Any]:
        cache = self.repository.cache
        assert cache is not None, "the aggregate cache is on (AGGREGATE_CACHE_MAXSIZE)"
        return cache

    def _cached_article(self, slug: str) -> Article:
        """A copy of the article as this process last saw it (no query when cached), for a command."""
        checked = rules.slug(slug)
        try:
            article: Article = self.repository.get(article_id(checked))
        except AggregateNotFoundError:
            raise ArticleNotFoundError(f"no article {checked}", slug=checked) from None
        return article

    def _staff(self, name: str) -> Staff:
        try:
            member: Staff = self._current(staff_id(rules.staff_name(name)))
        except AggregateNotFoundError:
            raise StaffNotFoundError(f"no staff member {name}", name=name) from None
        return member

    def execute(self, command: Command) -> Receipt:
        """Runs a command on the article and saves what it recorded, retrying when another writer saved
        first (unless the command expects a version: then that is a conflict)."""
        request, slug = command.request, command.slug
        if request is not None and (replayed := self._replay(request)):
            return replayed

        def attempt() -> Receipt:
            article = self._cached_article(slug)
            try:
                result = _run(command, article)
            except NewsroomError:
                # The cached copy may be behind what another process saved: say no only if the article
                # as stored says no too.
                current = self.article(slug)
                if current.version == article.version:
                    raise
                article = current
                result = _run(command, article)
            created = result if isinstance(result, UUID) else None
            recordings = self._save_with_key(article, created, request)
            return Receipt(version=article.version, position=_position(recordings, article.id), id=created)

        def after_conflict() -> Receipt | None:
            # Someone else wrote first (another process, whose write this one's cached copy had not seen,
            # or the same request, retried). Bring the cached copy up to date so that the command runs
            # again on it; with an expected version that raises the conflict instead.
            self._current(article_id(rules.slug(slug)))
            return self._replay(request) if request is not None else None

        return until_saved(attempt, lambda: _busy(slug), after_conflict)

    def prepare(self, command: Command) -> Prepared | None:
        """The command run on this process's copy of the article, its events collected but not saved;
        no I/O, so it may run on an event loop. None when ``execute`` must decide instead: the article is
        not cached, the request's key must be looked up, or the copy says no (it may be stale)."""
        if command.request is not None:
            return None
        cached = self._cached(article_id(rules.slug(command.slug)))
        if cached is None:
            return None
        article = cast("Article", deepcopy(cached))  # commands change copies, never the cached one
        try:
            result = _run(command, article)
        except NewsroomError:
            return None
        change = collect([article])
        if not change.events:  # every command records an event or raises; if one did not, fail it alone
            return None
        return Prepared(command, article, change, result if isinstance(result, UUID) else None)

    def save_prepared(self, batch: Sequence[Prepared]) -> list[Receipt]:
        """Saves prepared commands in one transaction, each for a different article. IntegrityError when
        one of the copies was stale: then nothing was saved."""
        saved = self.saver.save_together([prepared.change for prepared in batch])
        return [
            Receipt(
                version=prepared.article.version,
                position=_position(recordings, prepared.article.id),
                id=prepared.created,
            )
            for prepared, recordings in zip(batch, saved, strict=True)
        ]

    def _save_with_key(
        self, target: Article, created: UUID | None, request: RequestKey | None
    ) -> list[Recording[UUID]]:
        """Saves the target's new events and the request's key in one transaction, which may also hold
        other requests' changes (group commit)."""
        aggregates: list[Aggregate] = [target]
        if request is not None:
            aggregates.append(
                IdempotentRequest.record(
                    request, target=target.id, version=target.version, created_id=created
                )
            )
        return self.saver.save(aggregates)

    def _replay(self, request: RequestKey) -> Receipt | None:
        """The first answer to a request whose key was already used, or None for a new key."""
        try:
            record: IdempotentRequest = self.repository.get(request.id)
        except AggregateNotFoundError:
            return None
        record.check(request)
        position = position_of(self.recorder, record.target, record.target_version)
        return Receipt(
            version=record.target_version, position=position or 0, id=record.created_id, replayed=True
        )


for _change in commands.CHANGES:
    setattr(Newsroom, _change.name(), _executes(_change))


def _run(command: Command, article: Article) -> object:
    expected = command.expected_version
    if expected is not None:
        # A version the article has not reached is no version anyone loaded.
        changed = "article" if expected > article.version else command.conflict(article)
        if changed is not None:
            raise VersionConflictError(expected, article.version, changed)
    return command.run(article)


def _comment_id(value: str) -> UUID:
    try:
        return UUID(hex=value)
    except ValueError:
        raise CommentNotFoundError(f"no comment {value}") from None


def _busy(slug: str) -> ContentionError:
    return ContentionError(f"{slug} is too busy; try again", slug=slug)


def _position(recordings: list[Recording[UUID]], target: UUID | None = None) -> int:
    """The global position of the last event saved (for ``target``, when several aggregates were saved)."""
    for recording in reversed(recordings):
        if target is None or recording.domain_event.originator_id == target:
            return recording.notification.id
    raise AssertionError("nothing was saved for the target")
