"""What auditors ask of the audit tree: signed heads, proofs, the exported log, and a full verification.

Proofs come from the audit-tree read model; verification recomputes every leaf from the stored records and
compares them with what the tree recorded when each record was first seen, and the log with a saved head.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import orjson

from newsroom import Newsroom
from newsroom.article import article_id
from newsroom.errors import NotEmbargoedError, NotInAuditTreeError, ValidationError
from newsroom.merkle import (
    EMPTY_ROOT,
    Frontier,
    Subtree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    range_hash,
    verify_consistency,
)
from newsroom.positions import stored_with_positions
from newsroom.treehead import TreeSigner, verify_head
from projections.audit_tree import frontier_of, record_leaf, record_leaf_input
from projections.history import event_record
from projections.registry import ReadModels

PAGE = 1000


def _with_subtrees(store: ReadModels, compute: Callable[[Subtree], Any]) -> Any:
    """Runs ``compute`` twice: once to learn which subtrees it needs (which never depends on their
    values), then with them all fetched in one query per table."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return EMPTY_ROOT

    compute(record)
    found = store.audit_subtrees(wanted)
    missing = wanted - found.keys()
    if missing:
        raise NotInAuditTreeError(f"the audit tree has no subtree {sorted(missing)[0]} yet")
    return compute(lambda level, index: found[(level, index)])


@dataclass(frozen=True)
class Head:
    """The audit tree as its read model has it now."""

    size: int
    last_position: int
    root: bytes

    @classmethod
    def of(cls, store: ReadModels) -> Head:
        head = store.audit_head()
        if head is None:
            return cls(0, 0, EMPTY_ROOT)
        return cls(head["size"], head["last_position"], frontier_of(head).root())

    def root_at(self, store: ReadModels, size: int) -> bytes:
        """The root of the tree's first ``size`` leaves (as it was when it had that many)."""
        if size == self.size:
            return self.root
        if size == 0:
            return EMPTY_ROOT
        root: bytes = _with_subtrees(store, lambda subtree: range_hash(0, size, subtree))
        return root

    def size_or(self, requested: int | None, name: str) -> int:
        """``requested`` if it is a size this tree has had, the current size if None."""
        if requested is None:
            return self.size
        if requested < 1:
            raise ValidationError(name, "must be a tree size, from 1")
        if requested > self.size:
            raise NotInAuditTreeError(f"the audit tree has {self.size} records, not {requested} (yet)")
        return requested


def tree_head(store: ReadModels, signer: TreeSigner | None) -> dict[str, Any]:
    """The current head, signed when a key is configured."""
    head = Head.of(store)
    timestamp = datetime.now(UTC).isoformat()
    if signer is None:
        return {
            "tree_size": head.size,
            "root_hash": head.root.hex(),
            "last_position": head.last_position,
            "timestamp": timestamp,
            "signature": None,
            "note": "unsigned: set NEWSROOM_AUDIT_KEY (see `newsroom audit keygen`)",
        }
    return signer.sign(
        tree_size=head.size, root_hash=head.root.hex(), last_position=head.last_position, timestamp=timestamp
    )


def inclusion(store: ReadModels, position: int, tree_size: int | None = None) -> dict[str, Any]:
    leaf = store.audit_leaf_at(position)
    if leaf is None:
        raise NotInAuditTreeError(f"no record at position {position} in the audit tree (yet)")
    index, digest = leaf
    head = Head.of(store)
    size = head.size_or(tree_size, "tree_size")
    if index >= size:
        raise NotInAuditTreeError(f"position {position} is leaf {index}, beyond a tree of {size}")
    path = _with_subtrees(store, lambda subtree: inclusion_proof(index, size, subtree))
    return {
        "position": position,
        "leaf_index": index,
        "leaf_hash": digest.hex(),
        "tree_size": size,
        "root_hash": head.root_at(store, size).hex(),
        "audit_path": [node.hex() for node in path],
    }


def consistency(store: ReadModels, old_size: int, new_size: int | None) -> dict[str, Any]:
    head = Head.of(store)
    new = head.size_or(new_size, "to")
    if old_size < 1:
        raise ValidationError("from", "must be a tree size, from 1")
    if old_size > new:
        raise NotInAuditTreeError(f"no consistency proof from a tree of {old_size} to a smaller one of {new}")
    proof = _with_subtrees(store, lambda subtree: consistency_proof(old_size, new, subtree))
    return {
        "from": old_size,
        "to": new,
        "from_root": head.root_at(store, old_size).hex(),
        "to_root": head.root_at(store, new).hex(),
        "proof": [node.hex() for node in proof],
    }


def _pages(app: Newsroom, after: int) -> Iterator[Sequence[Any]]:
    """The stored records after a position, in log order, a page at a time (constant memory)."""
    while True:
        page = app.recorder.select_notifications(start=after + 1, limit=PAGE)
        if page:
            yield page
        if len(page) < PAGE:
            return
        after = page[-1].id


def records(app: Newsroom, *, after: int = 0) -> Iterator[Any]:
    """Every stored record after a position, in log order."""
    for page in _pages(app, after):
        yield from page


def export_line(app: Newsroom, record: Any) -> bytes:
    """One event as an NDJSON line: its position, what it says, and the exact bytes the audit tree hashed
    for it (``leaf_input``, base64) beside that hash, so anyone can recompute every leaf and the root."""
    line = event_record(app.mapper.to_domain_event(record), record.id)
    line["topic"] = record.topic
    leaf = record_leaf_input(record.id, record)
    line["leaf_input"] = base64.b64encode(leaf).decode("ascii")
    line["hash"] = leaf_hash(leaf).hex()
    return orjson.dumps(line) + b"\n"


def public_record(app: Newsroom, position: int) -> dict[str, Any]:
    """The exact bytes the audit tree hashed for the record at ``position`` (its ``leaf_input``, base64) and
    that hash: for records readers may see, anyone can recompute the leaf and check its inclusion proof."""
    found = app.recorder.select_notifications(start=position, limit=1, stop=position)
    if not found:
        raise NotInAuditTreeError(f"no record at position {position}")
    leaf = record_leaf_input(position, found[0])
    return {
        "position": position,
        "leaf_input": base64.b64encode(leaf).decode("ascii"),
        "leaf_hash": leaf_hash(leaf).hex(),
    }


def embargo_proof(app: Newsroom, page: dict[str, Any]) -> dict[str, Any]:
    """What shows that the log held a story's content before its release: the content the embargo
    committed to, the Embargoed record (its bytes hold the commitment) and where it is in the log.
    docs/embargo.md says how anyone checks it."""
    held = page.get("embargo_proof")
    if held is None:
        raise NotEmbargoedError(f"{page['slug']} was not released from an embargo", slug=page["slug"])
    then = app.article(page["slug"], version=held["version"])
    return {
        "slug": page["slug"],
        "committed": {"slug": then.slug, "headline": then.headline, "body": then.body},
        "commitment": held["commitment"],
        "embargoed_at": held["at"],
        "until": held["until"],
        "released_at": page["published_at"],
        "record": public_record(app, held["position"]),
    }


def export_chunks(app: Newsroom, *, after: int = 0, slug: str | None = None) -> Iterator[bytes]:
    """The whole log as NDJSON (or one story's records), a page of lines per chunk."""
    if slug is not None:
        yield from _story_chunks(app, slug)
        return
    for page in _pages(app, after):
        yield b"".join(export_line(app, record) for record in page)


def _story_chunks(app: Newsroom, slug: str) -> Iterator[bytes]:
    story = article_id(slug)
    version = 0
    while True:
        stored = stored_with_positions(
            app.recorder, story, after_version=version, up_to_version=version + PAGE
        )
        records = [
            SimpleNamespace(id=position, originator_id=story, originator_version=v, topic=topic, state=state)
            for position, v, topic, state in stored
        ]
        if records:
            yield b"".join(export_line(app, record) for record in records)
        if len(stored) < PAGE:
            return
        version = stored[-1][1]


@dataclass
class Verification:
    records: int = 0
    root: str = EMPTY_ROOT.hex()
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_bad_position: int | None = None
    unrecorded: int = 0  # records of the log the audit tree has not recorded: nothing vouches for them
    first_unrecorded: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, position: int | None, problem: str) -> None:
        if position is not None and self.first_bad_position is None:
            self.first_bad_position = position
        self.problems.append(problem)


def verify(
    app: Newsroom,
    store: ReadModels,
    *,
    saved_head: dict[str, Any] | None = None,
    public_key: bytes | None = None,
    up_to: int | None = None,
) -> Verification:
    """Recomputes the tree from the stored records (up to position ``up_to``); checks each leaf against
    the one recorded when the record was first seen, the root against the current head, and, given an older
    saved head, its signature against the trusted ``public_key`` and that the log only grew since (the
    RFC 9162 consistency proof from the stored tree must tie both roots). A record the tree has not
    recorded is unverified: nothing says it is what was first written, so the check fails."""
    report = Verification()
    frontier = Frontier()
    head = Head.of(store)
    saved_size = int(saved_head["tree_size"]) if saved_head else None
    saved_root_now: bytes | None = None
    head_root_now = EMPTY_ROOT
    recorded = _recorded_leaves(store)
    pending = next(recorded, None)
    for record in records(app):
        if up_to is not None and record.id > up_to:
            break
        leaf = record_leaf(record.id, record)
        while pending is not None and pending[0] < record.id:  # recorded, but no longer in the log
            report.fail(
                pending[0], f"position {pending[0]}: recorded in the audit tree, missing from the log"
            )
            pending = next(recorded, None)
        if pending is not None and pending[0] == record.id:
            if pending[1] != leaf:
                report.fail(
                    record.id, f"position {record.id}: the stored event differs from when it was recorded"
                )
            pending = next(recorded, None)
        else:
            report.unrecorded += 1
            if report.first_unrecorded is None:
                report.first_unrecorded = record.id
        frontier.append(leaf)
        if frontier.size == saved_size:
            saved_root_now = frontier.root()
        if frontier.size == head.size:
            head_root_now = frontier.root()
    while pending is not None:
        report.fail(pending[0], f"position {pending[0]}: recorded in the audit tree, missing from the log")
        pending = next(recorded, None)
    report.records = frontier.size
    report.root = frontier.root().hex()
    if report.unrecorded:
        report.fail(
            report.first_unrecorded,
            f"{report.unrecorded:,} records the audit tree has not recorded, the first at position "
            f"{report.first_unrecorded}: unverified (is the projector running? `newsroom project`)",
        )
    if head.root != head_root_now:
        report.fail(None, f"the log's first {head.size} records do not hash to the audit tree's root")
    if saved_head is not None:
        _check_saved_head(store, report, saved_head, saved_root_now, public_key)
    return report


def _recorded_leaves(store: ReadModels) -> Iterator[tuple[int, bytes]]:
    after = 0
    while True:
        page = store.audit_leaves(after_position=after, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1][0]


def _check_saved_head(
    store: ReadModels,
    report: Verification,
    saved: dict[str, Any],
    root_now: bytes | None,
    public_key: bytes | None,
) -> None:
    size = int(saved["tree_size"])
    # Only a key the auditor trusts proves who signed a head: one carried inside it proves nothing, since
    # whoever rewrote the log could sign a head of their own with a key of their own.
    if public_key is None:
        if saved.get("signature"):
            report.fail(
                None,
                "the saved tree head is signed, but no trusted public key was given to check it: "
                "pass --public-key, or set NEWSROOM_AUDIT_KEY",
            )
        else:
            report.notes.append("the saved tree head is unsigned: it is trusted as you saved it")
    elif not saved.get("signature"):
        report.fail(None, "the saved tree head is not signed, and a trusted public key was given")
    elif not verify_head(saved, public_key):
        report.fail(None, "the saved tree head's signature does not verify with the trusted public key")
    if size > report.records:
        report.fail(
            None,
            f"the log holds {report.records} records, fewer than the {size} of the saved head: "
            "records were removed",
        )
        return
    if root_now is None or root_now.hex() != saved["root_hash"]:
        report.fail(None, f"the first {size} records no longer hash to the saved head's root")
        return
    if size == 0:
        return
    tree_size = Head.of(store).size
    if tree_size < size:
        report.fail(None, f"the audit tree holds {tree_size} records, fewer than the saved head's {size}")
        return
    proof = consistency(store, size, tree_size)
    if not verify_consistency(
        size,
        tree_size,
        [bytes.fromhex(node) for node in proof["proof"]],
        bytes.fromhex(saved["root_hash"]),
        bytes.fromhex(proof["to_root"]),
    ):
        report.fail(None, "the audit tree's consistency proof does not tie the saved head to the current one")
