"""Bans: commenters the moderators have stopped from commenting, by the name they sign with, the client
they post from (``client``, a keyed pseudonym of its address: never the address itself), or both.

One aggregate holds every ban of the newsroom (bans are few, and each is one small event). What names a
person, the name and the client, is sealed (``newsroom.sealing``) under a key of the ban's own, so erasing
a commenter erases their bans with their comments.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Final
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from newsroom import rules, sealing
from newsroom.errors import ItemErasedError, NotFoundError, ValidationError

BANS_ID: Final = uuid5(UUID("a41e1f64-3c0f-4f55-8d7b-0b6e59d21c9a"), "bans")
CLIENT_MAX: Final = 64


class BanNotFoundError(NotFoundError):
    code = "ban_not_found"


# Characters that show nothing (Unicode's default-ignorable code points that are not format characters;
# those, category Cf, are found by category): "Marta\u200bK." must be the banned "MartaK.".
_INVISIBLE: Final = frozenset(
    (
        *(0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0),
        *range(0x180B, 0x1810),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    )
)


def name_key(name: str) -> str:
    """How a commenter's name is matched: compatibility-folded, case-folded, spaces collapsed and characters
    that show nothing dropped, so that "Marta  K.", "marta k." and "Marta\u200b K." are one commenter.
    Letters of other scripts that look alike (a Cyrillic "a" in "Marta") stay apart: a ban by client
    covers those."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    shown = "".join(c for c in folded if ord(c) not in _INVISIBLE and unicodedata.category(c) != "Cf")
    return " ".join(shown.split())


class Bans(sealing.Sealer, Aggregate):
    TOPIC = "newsroom:Bans"

    class Event(Aggregate.Event):
        actor: str

    class Started(Event, Aggregate.Created):
        TOPIC = "newsroom:Bans.Started"

    Created = Started

    class CommenterBanned(Event):
        """A ban on a name, a client or both (sealed), with the moderator's reason, which the commenter
        is told when a comment is refused."""

        TOPIC = "newsroom:Bans.CommenterBanned"
        ban_id: UUID
        sealed: dict[str, Any]
        reason: str

        def apply(self, bans: Bans) -> None:
            bans.active[self.ban_id.hex] = True

    class BanLifted(Event):
        TOPIC = "newsroom:Bans.BanLifted"
        ban_id: UUID
        reason: str

        def apply(self, bans: Bans) -> None:
            bans.active.pop(self.ban_id.hex, None)

    class BanErased(Event):
        """The ban's name and client erased with the commenter (``newsroom erase commenter``); the ban
        ends with them."""

        TOPIC = "newsroom:Bans.BanErased"
        ban_id: UUID
        reason: str

        def apply(self, bans: Bans) -> None:
            bans.active.pop(self.ban_id.hex, None)
            bans.erased[self.ban_id.hex] = True

    def __init__(self) -> None:
        self.active: dict[str, bool] = {}  # ban id (hex) of each ban in force
        self.erased: dict[str, bool] = {}

    @classmethod
    def start(cls, *, actor: str) -> Bans:
        return cls._create(cls.Started, id=BANS_ID, actor=actor)

    def ban(self, *, name: str | None, client: str | None, reason: str, actor: str) -> UUID:
        fields = {
            "name": rules.optional_line("name", name, rules.COMMENT_AUTHOR_MAX) or "",
            "client": rules.optional_line("client", client, CLIENT_MAX) or "",
        }
        if not fields["name"] and not fields["client"]:
            raise ValidationError("name", "name the commenter, or the comment whose writer to ban")
        ban_id = uuid4()
        self.trigger_event(
            self.CommenterBanned,
            ban_id=ban_id,
            sealed=self._seal(ban_id, fields),
            reason=rules.line("reason", reason, rules.REASON_MAX),
            actor=actor,
        )
        return ban_id

    def lift(self, ban_id: UUID, *, reason: str, actor: str) -> None:
        self._require_active(ban_id)
        self.trigger_event(
            self.BanLifted, ban_id=ban_id, reason=rules.line("reason", reason, rules.REASON_MAX), actor=actor
        )

    def erase(self, ban_id: UUID, *, reason: str, actor: str) -> None:
        if ban_id.hex in self.erased:
            raise ItemErasedError(f"ban {ban_id} was erased")
        self.trigger_event(
            self.BanErased, ban_id=ban_id, reason=rules.line("reason", reason, rules.REASON_MAX), actor=actor
        )
        self._shred(ban_id)

    def _require_active(self, ban_id: UUID) -> None:
        if ban_id.hex in self.erased:
            raise ItemErasedError(f"ban {ban_id} was erased")
        if ban_id.hex not in self.active:
            raise BanNotFoundError(f"no ban {ban_id} in force")


BANS_TOPICS: Final = frozenset(
    cls.TOPIC for cls in vars(Bans).values() if isinstance(cls, type) and hasattr(cls, "TOPIC")
)
