"""Idempotency keys: a retried request does not write twice.

The key is recorded as an event of its own small aggregate (id derived from who sent it and the key), and
saved in the same transaction as the command's events. So either both are stored or neither, and a second
request with the key collides on the store's unique (id, version) index however the two requests race.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from newsroom import rules
from newsroom.errors import NewsroomError

KEY_NAMESPACE: Final = UUID("d3b8a5f4-2c61-4c0e-8f7e-5a9e1b6c2d47")
KEY_MAX: Final = 200


class IdempotencyKeyReusedError(NewsroomError):
    """The key was used before for a different request."""

    code = "idempotency_key_reused"


@dataclass(frozen=True)
class RequestKey:
    """Who sent the request (a staff actor, or the client for anonymous comments), their key, and a
    fingerprint of what was asked, so a key reused for something else is refused rather than replayed."""

    scope: str
    key: str
    fingerprint: str

    @classmethod
    def of(cls, scope: str, key: str, *parts: bytes | str, secret: bytes = b"") -> RequestKey:
        """The fingerprint is an HMAC under ``secret`` (the site's key): it goes into the log, and a plain
        hash of a comment's body would let anyone holding the log confirm a guess of an erased text."""
        checked = rules.line("Idempotency-Key", key, KEY_MAX)
        digest = hmac.new(secret, digestmod=hashlib.sha256)
        for part in parts:
            digest.update(part.encode() if isinstance(part, str) else part)
            digest.update(b"\0")
        return cls(scope=scope, key=checked, fingerprint=digest.hexdigest())

    @property
    def id(self) -> UUID:
        return uuid5(KEY_NAMESPACE, f"{self.scope}\n{self.key}")


class IdempotentRequest(Aggregate):
    TOPIC = "newsroom:IdempotentRequest"

    class Event(Aggregate.Event):
        pass

    class Recorded(Event, Aggregate.Created):
        TOPIC = "newsroom:IdempotentRequest.Recorded"
        fingerprint: str
        target: UUID  # the aggregate the request wrote to
        target_version: int  # its version after the request
        created_id: UUID | None

    Created = Recorded

    def __init__(self, fingerprint: str, target: UUID, target_version: int, created_id: UUID | None) -> None:
        self.fingerprint = fingerprint
        self.target = target
        self.target_version = target_version
        self.created_id = created_id

    @classmethod
    def record(
        cls, request: RequestKey, *, target: UUID, version: int, created_id: UUID | None
    ) -> IdempotentRequest:
        return cls._create(
            cls.Recorded,
            id=request.id,
            fingerprint=request.fingerprint,
            target=target,
            target_version=version,
            created_id=created_id,
        )

    def check(self, request: RequestKey) -> None:
        if self.fingerprint != request.fingerprint:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was already used for a different request", key=request.key
            )
