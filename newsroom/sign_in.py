"""Signing in: the staff member a token stands for, checked against the member as stored and the token's
hash in the vault, and answered from memory (no I/O) when this process checked it a moment ago."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from newsroom.errors import AuthenticationError
from newsroom.staff import Principal, Staff, split_token
from newsroom.vault import Vault

# How stale this process's copy of a staff member may be before a request re-reads it: a token revoked or a
# role changed by another process takes effect here within this time (at once in the process that did it).
STAFF_RECHECK_SECONDS = 1.0


class SignIn:
    def __init__(self, current: Callable[[UUID], Any], cached: Callable[[UUID], Any], vault: Vault) -> None:
        self._current = current  # the aggregate as stored now (a query)
        self._cached = cached  # this process's copy, or None (no query)
        self._vault = vault
        self._checked: dict[UUID, float] = {}  # staff id -> when its cached copy was last checked
        self._token_hashes: dict[str, str] = {}  # vault name -> a token's hash, as read from the vault

    def authenticate(self, token: str) -> Principal:
        """The principal a token stands for, checked against the staff member as stored (within
        STAFF_RECHECK_SECONDS); AuthenticationError for an unknown, revoked or malformed token."""
        member_id, secret = split_token(token)
        try:
            member = self._current(member_id)
        except AggregateNotFoundError:
            raise AuthenticationError("invalid token") from None
        if not isinstance(member, Staff):  # the id of an article, say: public, and no staff member's
            raise AuthenticationError("invalid token")
        vaulted = None
        if (name := member.token_vault_name) is not None:
            found = self._vault.get(name)
            vaulted = self._token_hashes[name] = found.decode() if found is not None else ""
        self._checked[member_id] = time.monotonic()
        return member.verify(secret, vaulted)

    def known_principal(self, token: str) -> Principal | None:
        """``authenticate`` from memory alone, or None when that needs the store (a member not cached, or
        not checked for STAFF_RECHECK_SECONDS): no I/O, so it may run on the event loop."""
        member_id, secret = split_token(token)
        checked = self._checked.get(member_id)
        if checked is None or time.monotonic() - checked > STAFF_RECHECK_SECONDS:
            return None
        member = self._cached(member_id)
        if not isinstance(member, Staff):
            return None
        name = member.token_vault_name
        if name is not None and name not in self._token_hashes:
            return None
        return member.verify(secret, self._token_hashes.get(name) if name else None)
