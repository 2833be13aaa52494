"""Signed tree heads: a head verifies with its key, and changing any signed field breaks it."""

from __future__ import annotations

import pytest

from newsroom.errors import ValidationError
from newsroom.treehead import TreeSigner, verify_head

HEAD = {"tree_size": 8, "root_hash": "5d" * 32, "last_position": 9, "timestamp": "2026-01-10T06:40:00+00:00"}


def test_a_head_verifies_with_the_signing_key_and_not_another() -> None:
    signer = TreeSigner.generate()
    head = signer.sign(**HEAD)  # type: ignore[arg-type]
    assert verify_head(head, signer.public_key)
    assert not verify_head(head, TreeSigner.generate().public_key)


def test_a_head_signed_with_a_key_of_its_own_does_not_verify_against_the_trusted_key() -> None:
    trusted, forger = TreeSigner.generate(), TreeSigner.generate()
    forged = forger.sign(**{**HEAD, "root_hash": "00" * 32})  # type: ignore[arg-type]
    assert forged["public_key"] != trusted.setting()
    assert not verify_head(forged, trusted.public_key)  # the key inside the head is never used


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tree_size", 7),
        ("root_hash", "5e" * 32),
        ("last_position", 10),
        ("timestamp", "2026-01-10T06:41:00+00:00"),
    ],
)
def test_changing_a_signed_field_breaks_the_signature(field: str, value: object) -> None:
    signer = TreeSigner.generate()
    head = {**signer.sign(**HEAD), field: value}  # type: ignore[arg-type]
    assert not verify_head(head, signer.public_key)


def test_the_key_setting_round_trips_and_a_bad_one_is_named() -> None:
    signer = TreeSigner.generate()
    again = TreeSigner.from_setting(signer.setting())
    assert again.public_key == signer.public_key
    with pytest.raises(ValidationError, match="NEWSROOM_AUDIT_KEY"):
        TreeSigner.from_setting("not-a-key")
