"""Staff: who may do what, and the API tokens that prove it.

A token is ``nr_<staff id hex>_<secret>``. Only SHA-256 of the secret is stored: the secret is 256 random
bits, so a slow password hash would add nothing but latency. The staff id inside the token finds the record
in one read, and the hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from newsroom import rules
from newsroom.errors import (
    AuthenticationError,
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


def new_token(member_id: UUID) -> tuple[str, str]:
    """Returns (token to hand out once, hash to store)."""
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}{member_id.hex}_{secret}", hash_secret(secret)


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
        name: str
        role: str
        token_hash: str

    Created = Joined

    class RoleChanged(Event):
        TOPIC = "newsroom:Staff.RoleChanged"
        role: str

        def apply(self, staff: Staff) -> None:
            staff.role = Role(self.role)

    class TokenIssued(Event):
        TOPIC = "newsroom:Staff.TokenIssued"
        token_hash: str

        def apply(self, staff: Staff) -> None:
            staff.token_hash = self.token_hash

    class Deactivated(Event):
        TOPIC = "newsroom:Staff.Deactivated"

        def apply(self, staff: Staff) -> None:
            staff.active = False

    def __init__(self, name: str, role: str, token_hash: str) -> None:
        self.name = name
        self.role = Role(role)
        self.token_hash = token_hash
        self.active = True

    @classmethod
    def join(cls, *, name: str, role: Role, actor: str) -> tuple[Staff, str]:
        """A new staff member and their token (returned once, never stored)."""
        checked = rules.staff_name(name)
        member_id = staff_id(checked)
        token, token_hash = new_token(member_id)
        member = cls._create(
            cls.Joined,
            id=member_id,
            name=checked,
            role=str(role),
            token_hash=token_hash,
            actor=actor,
        )
        return member, token

    def issue_token(self, *, actor: str) -> str:
        self._require_active()
        token, token_hash = new_token(self.id)
        self.trigger_event(self.TokenIssued, token_hash=token_hash, actor=actor)
        return token

    def change_role(self, role: Role, *, actor: str) -> None:
        self._require_active()
        self.trigger_event(self.RoleChanged, role=str(role), actor=actor)

    def deactivate(self, *, actor: str) -> None:
        self._require_active()
        self.trigger_event(self.Deactivated, actor=actor)

    def verify(self, secret: str) -> Principal:
        if not self.active or not hmac.compare_digest(hash_secret(secret), self.token_hash):
            raise AuthenticationError("invalid token")
        return Principal(id=self.id, name=self.name, role=self.role)

    def _require_active(self) -> None:
        if not self.active:
            raise StaffDeactivatedError(f"{self.name} is deactivated")
