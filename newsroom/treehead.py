"""Signed tree heads: the audit log's size and root, signed with Ed25519 so anyone can hold us to them.

A head is a JSON object. The signature covers a fixed text form of its fields (``signed_bytes``), so a head
saved to a file today can be checked years later with only the public key.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from newsroom.errors import ValidationError

FORMAT = "newsroom-tree-head/v1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def signed_bytes(tree_size: int, root_hash: str, last_position: int, timestamp: str) -> bytes:
    return f"{FORMAT}\n{tree_size}\n{root_hash}\n{last_position}\n{timestamp}\n".encode()


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True)
class TreeSigner:
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> TreeSigner:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_setting(cls, value: str) -> TreeSigner:
        """The key as ``newsroom audit keygen`` prints it: base64 of the 32-byte Ed25519 seed."""
        try:
            seed = base64.b64decode(value.strip(), validate=True)
            return cls(Ed25519PrivateKey.from_private_bytes(seed))
        except ValueError:
            raise ValidationError(
                "NEWSROOM_AUDIT_KEY", "must be the base64 Ed25519 key that `newsroom audit keygen` prints"
            ) from None

    def setting(self) -> str:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        return b64(self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, *, tree_size: int, root_hash: str, last_position: int, timestamp: str) -> dict[str, Any]:
        signature = self.private_key.sign(signed_bytes(tree_size, root_hash, last_position, timestamp))
        return {
            "format": FORMAT,
            "tree_size": tree_size,
            "root_hash": root_hash,
            "last_position": last_position,
            "timestamp": timestamp,
            "key_id": key_id(self.public_key),
            "public_key": b64(self.public_key),
            "signature": b64(signature),
        }


HEX = frozenset("0123456789abcdef")


def saved_head(value: Any, field: str) -> dict[str, Any]:
    """``value`` if it has the shape of a tree head (a size and a root), else a ValidationError naming
    ``field``: a head is checked against the log, so a malformed one is refused before anything is read."""
    if not isinstance(value, dict):
        raise ValidationError(field, "a tree head is a JSON object, as `newsroom audit tree-head` prints it")
    size = value.get("tree_size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValidationError(field, "the head's tree_size must be a whole number from 0")
    root = value.get("root_hash")
    if not isinstance(root, str) or len(root) != 64 or not HEX.issuperset(root):
        raise ValidationError(field, "the head's root_hash must be 64 lowercase hex digits")
    return value


def verify_head(head: dict[str, Any], public_key: bytes) -> bool:
    """True when ``head`` is signed by ``public_key``, the newsroom's published key as the checker knows
    it (never the key a head carries: anyone can sign a head with a key of their own)."""
    try:
        key = public_key
        message = signed_bytes(
            int(head["tree_size"]), str(head["root_hash"]), int(head["last_position"]), str(head["timestamp"])
        )
        Ed25519PublicKey.from_public_bytes(key).verify(base64.b64decode(head["signature"]), message)
    except (KeyError, TypeError, ValueError, InvalidSignature):
        return False
    return True


def parse_public_key(value: str, field: str = "--public-key") -> bytes:
    """An Ed25519 public key as `newsroom audit keygen` prints it (base64 of its 32 bytes)."""
    try:
        key = base64.b64decode(value.strip(), validate=True)
        Ed25519PublicKey.from_public_bytes(key)
    except ValueError:
        raise ValidationError(
            field, "must be the base64 Ed25519 public key `newsroom audit keygen` prints"
        ) from None
    return key
