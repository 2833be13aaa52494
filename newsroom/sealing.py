"""Sealed text: what the law may require removed is kept in the log only encrypted, under a key of its own.

An update's words, a comment and its author's name, a banned commenter's name: each event that records
them holds them sealed (AES-256-GCM, a random nonce, the key's name as associated data) under a new key,
which the vault (``newsroom.vault``) keeps beside the log, saved in the same transaction as the event.
Erasing an item destroys its keys (every key of an item shares a prefix). The log's bytes stay exactly as
they were, so every Merkle leaf and every proof issued before still verify, and what remains says nothing:
without the key a guess of the text cannot be checked against the ciphertext.

Events stored before sealing hold their text as it was written; they read as ``{"plain": {...}}``.
"""

from __future__ import annotations

import base64
import os
from typing import Any, Final
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX: Final = "seal/"
Sealed = dict[str, Any]  # {"key": name, "box": base64(nonce || ciphertext)}, or {"plain": fields}


def key_name(item: UUID, version: int) -> str:
    """The vault name of the key sealing one event's text about an item (the article's version then)."""
    return f"{PREFIX}{item.hex}/{version}"


def item_prefix(item: UUID | str) -> str:
    """What the names of every key of an item start with: erasing the item deletes them all."""
    return f"{PREFIX}{item.hex if isinstance(item, UUID) else item}/"


Secret = tuple[str, bytes]  # a vault entry: its name, its bytes


def seal(item: UUID, version: int, fields: dict[str, Any]) -> tuple[Sealed, Secret]:
    """The fields sealed under a new key, and the key, to be saved with the event that holds them."""
    name = key_name(item, version)
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    box = nonce + AESGCM(key).encrypt(nonce, orjson.dumps(fields), name.encode())
    return {"key": name, "box": base64.b64encode(box).decode()}, (name, key)


def plain(fields: dict[str, Any]) -> Sealed:
    """Text of an event stored before sealing, as the sealed form reads it."""
    return {"plain": fields}


def sealed_key(sealed: Sealed) -> str | None:
    """The vault name of the key a sealed value needs (None: it was stored in the clear)."""
    name = sealed.get("key")
    return None if name is None else str(name)


def unseal(sealed: Sealed, key: bytes | None) -> dict[str, Any] | None:
    """The fields, or None when their key is gone (the item was erased)."""
    if "plain" in sealed:
        fields: dict[str, Any] = sealed["plain"]
        return fields
    if key is None:
        return None
    box = base64.b64decode(sealed["box"])
    opened: dict[str, Any] = orjson.loads(AESGCM(key).decrypt(box[:12], box[12:], sealed["key"].encode()))
    return opened


class Sealer:
    """For an aggregate whose events hold sealed text: the keys of the events it records wait, like the
    events, for the save (``collect_secrets``), as do the prefixes of the keys an erasure destroys
    (``collect_shredded``); the save stores and deletes them in the events' own transaction."""

    version: int

    def _seal(self, item: UUID, text: dict[str, Any]) -> Sealed:
        """The text sealed under a new key, for the event about to be triggered (the next version)."""
        sealed, secret = seal(item, self.version + 1, text)
        self.__dict__.setdefault("_pending_secrets", []).append(secret)
        return sealed

    def _shred(self, item: UUID) -> None:
        """Every key of the item destroyed in the save of the event about to be triggered."""
        self.__dict__.setdefault("_pending_shredding", []).append(item_prefix(item))

    def collect_secrets(self) -> list[Secret]:
        secrets: list[Secret] = self.__dict__.pop("_pending_secrets", [])
        return secrets

    def collect_shredded(self) -> list[str]:
        shredded: list[str] = self.__dict__.pop("_pending_shredding", [])
        return shredded
