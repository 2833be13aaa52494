"""The audit tree: an RFC 9162 Merkle tree over every record of the event log, in log order.

It reads the stored records themselves, not decoded events, so it hashes exactly the bytes that were
written. Leaf hashes are kept so ``newsroom audit verify`` can name the first record that changed; complete
subtree hashes are kept every NODE_STRIDE levels, so inclusion and consistency proofs take O(log n) reads at
any size: a subtree between two kept levels is hashed from at most 2**(NODE_STRIDE - 1) kept ones below it.
Keeping every level would double the rows the tree writes (one node per leaf) for proofs a few reads shorter.

Tables:
  audit_leaves  leaf index -> {hash, position}, indexed by position
  audit_nodes   "level/index" -> {hash} for every complete subtree at a level divisible by NODE_STRIDE
  audit_tree    "head" -> {size, frontier, last_position}: the right edge, enough to append and get the root
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from newsroom.merkle import Frontier, event_leaf, leaf_hash
from projections.documents import Column, Documents, Table
from projections.records import Recorded

LEAVES: Final = Table(
    "audit_leaves", columns=(Column("position", "int"),), indexes=(("position",),), append_only=True
)
NODES: Final = Table("audit_nodes", append_only=True)
TREE: Final = Table("audit_tree")
HEAD: Final = "head"
NODE_STRIDE: Final = 4


def stored_leaf(position: int, originator_hex: str, version: int, topic: str, state: bytes | str) -> bytes:
    """The leaf hash of a stored record."""
    return leaf_hash(stored_leaf_input(position, originator_hex, version, topic, state))


def stored_leaf_input(
    position: int, originator_hex: str, version: int, topic: str, state: bytes | str
) -> bytes:
    """The bytes the tree hashes for a stored record."""
    if isinstance(state, str):  # a row rewritten by hand as TEXT must still hash, and differently
        state = state.encode()
    return event_leaf(position, originator_hex, version, topic, bytes(state))


def record_leaf(position: int, record: Any) -> bytes:
    """The leaf hash of a stored record as the recorder returns it (a notification)."""
    return leaf_hash(record_leaf_input(position, record))


def record_leaf_input(position: int, record: Any) -> bytes:
    return stored_leaf_input(
        position, record.originator_id.hex, record.originator_version, record.topic, record.state
    )


def kept_parts(level: int, index: int) -> tuple[int, range]:
    """The kept subtrees that make up subtree (level, index): their level and their indexes there."""
    below = level % NODE_STRIDE
    return level - below, range(index << below, (index + 1) << below)


def frontier_of(head: dict[str, Any] | None) -> Frontier:
    if head is None:
        return Frontier()
    return Frontier(size=head["size"], hashes=[bytes.fromhex(h) for h in head["frontier"]])


class AuditTreeProjection:
    name = "audit-tree"
    version = 1
    retired_tables: tuple[str, ...] = ()
    tables = (LEAVES, NODES, TREE)
    topics = None  # every record, undecoded

    def reads(self, event: Recorded) -> Iterator[tuple[Table, str]]:
        yield TREE, HEAD

    def apply(self, docs: Documents, events: Sequence[Recorded]) -> None:
        if not events:
            return
        # The right edge is decoded once a batch and written back once, not once per record.
        frontier = frontier_of(docs.get(TREE, HEAD))
        for event in events:
            position = event.position
            leaf = stored_leaf(
                position, event.originator_id, event.originator_version, event.topic, event.stored
            )
            for level, index, digest in frontier.append(leaf):
                if level == 0:
                    docs.put(
                        LEAVES, str(index), {"hash": digest.hex(), "position": position}, position=position
                    )
                elif level % NODE_STRIDE == 0:
                    docs.put(NODES, f"{level}/{index}", {"hash": digest.hex()})
        docs.put(
            TREE,
            HEAD,
            {
                "size": frontier.size,
                "frontier": [h.hex() for h in frontier.hashes],
                "last_position": events[-1].position,
            },
        )
