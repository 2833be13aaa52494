"""The audit tree against RFC 6962/9162's published test vectors, and proofs checked by the RFC verifiers."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsroom.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    memory_subtree,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference inputs and roots (RFC 6962 test data, reused by RFC 9162 logs).
INPUTS = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, audit path)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
LEAVES = [leaf_hash(data) for data in INPUTS]


def test_roots_match_the_reference_for_every_size() -> None:
    assert root_of([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for size in range(1, 9):
        assert root_of(LEAVES[:size]).hex() == ROOTS[size - 1], size


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proofs_match_the_reference(index: int, size: int, expected: list[str]) -> None:
    proof = inclusion_proof(index, size, memory_subtree(LEAVES[:size]))
    assert [node.hex() for node in proof] == expected
    root = bytes.fromhex(ROOTS[size - 1])
    assert verify_inclusion(index, size, LEAVES[index], proof, root)
    assert not verify_inclusion(index, size, LEAVES[index], proof, EMPTY_ROOT)


@pytest.mark.parametrize(("old", "new", "expected"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(old: int, new: int, expected: list[str]) -> None:
    proof = consistency_proof(old, new, memory_subtree(LEAVES[:new]))
    assert [node.hex() for node in proof] == expected
    old_root, new_root = bytes.fromhex(ROOTS[old - 1]), bytes.fromhex(ROOTS[new - 1])
    assert verify_consistency(old, new, proof, old_root, new_root)


def test_the_frontier_reports_every_completed_subtree() -> None:
    frontier = Frontier()
    made = [frontier.append(leaf) for leaf in LEAVES[:4]]
    assert [[(level, index) for level, index, _ in nodes] for nodes in made] == [
        [(0, 0)],
        [(0, 1), (1, 0)],
        [(0, 2)],
        [(0, 3), (1, 1), (2, 0)],
    ]
    assert made[3][-1][2].hex() == ROOTS[3]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70), st.randoms(use_true_random=False))
def test_every_inclusion_proof_verifies_and_any_altered_byte_fails(size: int, rng: random.Random) -> None:
    leaves = [leaf_hash(bytes([n]) + rng.randbytes(rng.randint(0, 12))) for n in range(size)]
    root = root_of(leaves)
    subtree = memory_subtree(leaves)
    for index in range(size):
        proof = inclusion_proof(index, size, subtree)
        assert verify_inclusion(index, size, leaves[index], proof, root)
        assert not verify_inclusion(index, size, _flip(leaves[index], rng.randrange(32)), proof, root)
        assert not verify_inclusion(index, size, leaves[index], proof, _flip(root, rng.randrange(32)))
        if proof:
            at = rng.randrange(len(proof))
            altered = [*proof[:at], _flip(proof[at], rng.randrange(32)), *proof[at + 1 :]]
            assert not verify_inclusion(index, size, leaves[index], altered, root)
        if size > 1:
            assert not verify_inclusion((index + 1) % size, size, leaves[index], proof, root)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.randoms(use_true_random=False))
def test_every_consistency_proof_verifies_and_a_rewritten_leaf_fails(size: int, rng: random.Random) -> None:
    leaves = [leaf_hash(rng.randbytes(4)) for _ in range(size)]
    subtree = memory_subtree(leaves)
    roots = [root_of(leaves[:n]) for n in range(size + 1)]
    for old in range(1, size + 1):
        new = rng.randint(old, size)
        proof = consistency_proof(old, new, subtree)
        assert verify_consistency(old, new, proof, roots[old], roots[new])
        if old < new:
            # The log as rewritten: one leaf of the old part changed. Its proof cannot tie to the old head.
            rewritten = list(leaves)
            rewritten[rng.randrange(old)] = leaf_hash(b"rewritten")
            forged = consistency_proof(old, new, memory_subtree(rewritten))
            assert not verify_consistency(old, new, forged, roots[old], root_of(rewritten[:new]))
            at = rng.randrange(len(proof))
            altered = [*proof[:at], _flip(proof[at], rng.randrange(32)), *proof[at + 1 :]]
            assert not verify_consistency(old, new, altered, roots[old], roots[new])
