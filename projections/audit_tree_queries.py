"""The audit tree's queries: its head, complete subtrees for proofs, and the leaves it recorded."""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from newsroom.merkle import root_of
from projections.audit_tree import HEAD as AUDIT_HEAD
from projections.audit_tree import LEAVES as AUDIT_LEAVES
from projections.audit_tree import NODES as AUDIT_NODES
from projections.audit_tree import TREE as AUDIT_TREE
from projections.audit_tree import kept_parts
from projections.documents import Doc, Table
from projections.sqlstore import SQLReadModels


class AuditTreeQueries(SQLReadModels):
    def audit_head(self) -> Doc | None:
        rows = self._rows(f"SELECT doc FROM {self.table(AUDIT_TREE)} WHERE key = ?", (AUDIT_HEAD,))
        return orjson.loads(rows[0]["doc"]) if rows else None

    def audit_subtrees(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Hashes of complete subtrees by (level, index); level 0 are the leaves. Subtrees at levels the
        tree does not keep are hashed from the kept ones below them; missing ones are left out."""
        parts = {(level, index): kept_parts(level, index) for level, index in wanted}
        by_table: dict[Table, dict[str, tuple[int, int]]] = {AUDIT_LEAVES: {}, AUDIT_NODES: {}}
        for base, indexes in parts.values():
            for index in indexes:
                if base == 0:
                    by_table[AUDIT_LEAVES][str(index)] = (base, index)
                else:
                    by_table[AUDIT_NODES][f"{base}/{index}"] = (base, index)
        kept: dict[tuple[int, int], bytes] = {}
        for table, keys in by_table.items():
            if keys:
                for row in self._rows(*self.documents_select(table, "", list(keys))):
                    kept[keys[row["key"]]] = bytes.fromhex(orjson.loads(row["doc"])["hash"])
        found: dict[tuple[int, int], bytes] = {}
        for subtree, (base, indexes) in parts.items():
            if all((base, index) in kept for index in indexes):
                # 2**k adjacent complete subtrees of one level combine as if they were leaves.
                found[subtree] = root_of([kept[(base, index)] for index in indexes])
        return found

    def audit_leaf_at(self, position: int) -> tuple[int, bytes] | None:
        """(leaf index, leaf hash) of the record at ``position``."""
        rows = self._rows(f"SELECT key, doc FROM {self.table(AUDIT_LEAVES)} WHERE position = ?", (position,))
        if not rows:
            return None
        return int(rows[0]["key"]), bytes.fromhex(orjson.loads(rows[0]["doc"])["hash"])

    def audit_leaves(self, *, after_position: int, limit: int) -> list[tuple[int, bytes]]:
        """(position, leaf hash) of recorded leaves after a position, in log order."""
        rows = self._rows(
            f"SELECT position, doc FROM {self.table(AUDIT_LEAVES)} WHERE position > ? "
            "ORDER BY position LIMIT ?",
            (after_position, limit),
        )
        return [(int(row["position"]), bytes.fromhex(orjson.loads(row["doc"])["hash"])) for row in rows]
