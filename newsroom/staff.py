"""Staff: who may do what, and the API tokens that prove it.

A token is ``nr_<staff id hex>_<secret>``. Only SHA-256 of the secret is stored: the secret is 256 random
bits, so a slow password hash would add nothing but latency. The staff id inside the token finds the record
in one read, and the hashes are compared in constant time.

The hash is kept in the vault (``newsroom.vault``), not in the event log, which auditors may export and
publish byte for byte: an event names the current token by a random ``token_id``. Members who joined before
this kept their token's hash in their first event (``token_id`` empty); a new token moves them on.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from newsroom import rules
from newsroom.errors import (
    AuthenticationError,
    NothingChangedError,
    PermissionDeniedError,
    StaffDeactivatedError,
    ValidationError,
)

STAFF_NAMESPACE: Final = UUID("0b8e6a52-8f0f-4c8e-9d8a-7a0c6b1f2e33")
TOKEN_PREFIX: Final = "nr_"  # noqa: S105 - a prefix, not a secret


class Role(StrEnum):
    EDITOR = "editor"
    MODERATOR = "moderator"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Permission(StrEnum):
    WRITE_ARTICLES = "write_articles"
    MODERATE_COMMENTS = "moderate_comments"
    READ_AUDIT = "read_audit"
    MANAGE_STAFF = "manage_staff"
    ERASE_CONTENT = "erase_content"  # lawful removal: admins only


ROLE_PERMISSIONS: Final[dict[Role, frozenset[Permission]]] = {
    Role.EDITOR: frozenset({Permission.WRITE_ARTICLES}),
    Role.MODERATOR: frozenset({Permission.MODERATE_COMMENTS}),
    Role.AUDITOR: frozenset({Permission.READ_AUDIT}),
    Role.ADMIN: frozenset(Permission),
}


def staff_id(name: str) -> UUID:
    return uuid5(STAFF_NAMESPACE, f"staff/{name}")


def parse_role(value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise ValidationError("role", f"must be one of {', '.join(Role)}") from None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token to hand out once, the id events know it by, and the hash the vault keeps."""

    token: str
    token_id: str
    token_hash: str

    @property
    def vault_name(self) -> str:
        return token_vault_name(self.token_id)


def new_token(member_id: UUID) -> NewToken:
    secret = secrets.token_urlsafe(32)
    return NewToken(f"{TOKEN_PREFIX}{member_id.hex}_{secret}", secrets.token_hex(16), hash_secret(secret))


def token_vault_name(token_id: str) -> str:
    return f"token/{token_id}"


def split_token(token: str) -> tuple[UUID, str]:
    """The staff id and secret inside a token; AuthenticationError if it is not shaped like one."""
    if not token.startswith(TOKEN_PREFIX):
        raise AuthenticationError("not a newsroom token")
    member_hex, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    try:
        member_id = UUID(hex=member_hex)
    except ValueError:
        raise AuthenticationError("not a newsroom token") from None
    if not secret:
        raise AuthenticationError("not a newsroom token")
    return member_id, secret


@dataclass(frozen=True)
class Principal:
    """An authenticated staff member, as commands see them."""

    id: UUID
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"staff:{self.name}"

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            raise PermissionDeniedError(
                f"{self.role} may not {permission.replace('_', ' ')}",
                role=str(self.role),
                needs=str(permission),
            )


# Commands run from the command line on the server itself act as this principal.
OPERATOR: Final = Principal(id=UUID(int=0), name="operator", role=Role.ADMIN)


class Staff(Aggregate):
    TOPIC = "newsroom:Staff"

    class Event(Aggregate.Event):
        actor: str

    class Joined(Event, Aggregate.Created):
        TOPIC = "newsroom:Staff.Joined"
        class_version = 2
        name: str
        role: str
        token_hash: str  # empty: the hash is in the vault, under token_id
        token_id: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["token_id"] = ""  # joined with the hash in the event itself

    Created = Joined

    class RoleChanged(Event):
        TOPIC = "newsroom:Staff.RoleChanged"
        role: str

        def apply(self, staff: Staff) -> None:
            staff.role = Role(self.role)

    class TokenIssued(Event):
        TOPIC = "newsroom:Staff.TokenIssued"
        class_version = 2
        token_hash: str  # empty: the hash is in the vault, under token_id
        token_id: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["token_id"] = ""

        def apply(self, staff: Staff) -> None:
            staff.token_hash = self.token_hash
            staff.token_id = self.token_id

    class Deactivated(Event):
        TOPIC = "newsroom:Staff.Deactivated"

        def apply(self, staff: Staff) -> None:
            staff.active = False

    class ProfileChanged(Event):
        """What readers see of a staff member who writes: the name shown, a short bio, a picture."""

        TOPIC = "newsroom:Staff.ProfileChanged"
        display_name: str
        bio: str
        picture_url: str

        def apply(self, staff: Staff) -> None:
            staff.profile = {
                "display_name": self.display_name,
                "bio": self.bio,
                "picture_url": self.picture_url,
            }

    def __init__(self, name: str, role: str, token_hash: str, token_id: str) -> None:
        self.name = name
        self.role = Role(role)
        self.token_hash = token_hash
        self.token_id = token_id
        self.active = True
        self.profile: dict[str, str] | None = None

    def __getattr__(self, name: str) -> Any:
        # Snapshots of staff are not taken; a member loaded from events made before profiles has none.
        if name == "profile":
            return None
        raise AttributeError(name)

    @classmethod
    def join(cls, *, name: str, role: Role, actor: str) -> tuple[Staff, NewToken]:
        """A new staff member and their token (whose hash the caller puts in the vault)."""
        checked = rules.staff_name(name)
        member_id = staff_id(checked)
        token = new_token(member_id)
        member = cls._create(
            cls.Joined,
            id=member_id,
            name=checked,
            role=str(role),
            token_hash="",
            token_id=token.token_id,
            actor=actor,
        )
        return member, token

    def issue_token(self, *, actor: str) -> NewToken:
        self._require_active()
        token = new_token(self.id)
        self.trigger_event(self.TokenIssued, token_hash="", token_id=token.token_id, actor=actor)
        return token

    @property
    def token_vault_name(self) -> str | None:
        """Where the vault keeps the current token's hash (None: in the event that issued it)."""
        return token_vault_name(self.token_id) if self.token_id else None

    def change_role(self, role: Role, *, actor: str) -> None:
        self._require_active()
        self.trigger_event(self.RoleChanged, role=str(role), actor=actor)

    def change_profile(
        self, *, display_name: str, bio: str | None, picture_url: str | None, actor: str
    ) -> None:
        self._require_active()
        profile = {
            "display_name": rules.line("display_name", display_name, rules.DISPLAY_NAME_MAX),
            "bio": rules.optional_line("bio", bio, rules.BIO_MAX),
            "picture_url": rules.url(picture_url, "picture_url") if picture_url else "",
        }
        if profile == self.profile:
            raise NothingChangedError("the profile is already that")
        self.trigger_event(self.ProfileChanged, **profile, actor=actor)

    def deactivate(self, *, actor: str) -> None:
        self._require_active()
        self.trigger_event(self.Deactivated, actor=actor)

    def verify(self, secret: str, vaulted_hash: str | None) -> Principal:
        """The principal, if ``secret`` is the current token's (its hash from the vault, or for a token
        issued before the vault, from the event)."""
        expected = self.token_hash if not self.token_id else (vaulted_hash or "")
        if not self.active or not expected or not hmac.compare_digest(hash_secret(secret), expected):
            raise AuthenticationError("invalid token")
        return Principal(id=self.id, name=self.name, role=self.role)

    def _require_active(self) -> None:
        if not self.active:
            raise StaffDeactivatedError(f"{self.name} is deactivated")
