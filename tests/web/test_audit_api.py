"""The auditors' HTTP surface: diff, export, the signed tree head, and proofs checked by RFC 9162's rules."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from newsroom.merkle import verify_consistency, verify_inclusion
from newsroom.treehead import TreeSigner, verify_head
from tests.web.conftest import Api, make_api
from tests.web.test_api import error

KEY = TreeSigner.generate()


@pytest.fixture
def api(api_url: str) -> Iterator[Api]:
    yield from make_api(api_url, audit_key=KEY.setting())


def settle(api: Api) -> int:
    """Waits until the read models (the audit tree among them) reflect every write so far."""
    slug = api.story()
    written = api.post(f"/api/articles/{slug}/updates", {"body": "Settle."}, role="editor")
    assert api.settled("/api/articles", written).status_code == 200
    return int(written.json()["position"])


def test_the_tree_head_is_public_and_signed_and_proofs_verify(api: Api) -> None:
    slug = api.story()
    for n in range(5):
        api.post(f"/api/articles/{slug}/updates", {"body": f"Update {n}"}, role="editor")
    last = settle(api)
    head = api.get("/api/audit/tree-head", params={"after": last}).json()
    assert verify_head(head, KEY.public_key)
    assert head["last_position"] == last
    size, root = head["tree_size"], bytes.fromhex(head["root_hash"])
    lines = [orjson.loads(line) for line in api.get("/api/audit/export", role="auditor").text.splitlines()]
    assert len(lines) == size and lines[-1]["position"] == last
    for index, line in enumerate(lines):
        proof = api.get(f"/api/audit/proof/{line['position']}", role="auditor").json()
        assert (proof["leaf_index"], proof["leaf_hash"], proof["tree_size"]) == (index, line["hash"], size)
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
        assert verify_inclusion(index, size, bytes.fromhex(line["hash"]), path, root)
    for old in range(1, size + 1):
        proof = api.get("/api/audit/consistency", params={"from": old}, role="auditor").json()
        nodes = [bytes.fromhex(node) for node in proof["proof"]]
        assert verify_consistency(old, size, nodes, bytes.fromhex(proof["from_root"]), root)


def test_audit_routes_refuse_bad_input_clearly(api: Api) -> None:
    size = api.get("/api/audit/tree-head", params={"after": settle(api)}).json()["tree_size"]
    error(api.get("/api/audit/proof/abc", role="auditor"), 422)
    error(api.get("/api/audit/proof/999999", role="auditor"), 404, "not_in_audit_tree")
    # A tree the log has not reached, or a proof that cannot exist, is not found (the request was well
    # formed: only the tree's state says no); a size that can be no tree's is refused.
    error(api.get("/api/audit/proof/1", params={"tree_size": size + 1}, role="auditor"), 404)
    error(api.get("/api/audit/consistency", role="auditor"), 422)
    error(api.get("/api/audit/consistency", params={"from": 0}, role="auditor"), 422)
    error(api.get("/api/audit/consistency", params={"from": 2, "to": 1}, role="auditor"), 404)
    error(api.get("/api/audit/export", role="editor"), 403)
    error(api.get("/api/audit/export"), 401)


def test_diff_says_what_changed_and_who_did_it(api: Api) -> None:
    slug = api.story()
    first = api.post(f"/api/articles/{slug}/updates", {"body": "Ferry delayed."}, role="editor").json()
    api.post(
        f"/api/articles/{slug}/updates/{first['update_id']}/strike", {"reason": "Wrong ferry"}, role="editor"
    )
    comment = api.post(f"/api/articles/{slug}/comments", {"author": "Lea", "body": "Thanks"}).json()
    api.post(
        f"/api/articles/{slug}/comments/{comment['comment_id']}/hide", {"reason": "Spam"}, role="moderator"
    )
    edited = api.call(
        "PATCH", f"/api/articles/{slug}", json={"headline": "Ferries back"}, role="editor"
    ).json()
    settle(api)
    diff = api.get(f"/api/articles/{slug}/diff", params={"from": 2, "to": edited["version"]}, role="auditor")
    assert diff.status_code == 200, diff.text
    body = diff.json()
    assert body["headline"]["after"] == "Ferries back"
    assert [c["by"] for c in body["headline"]["changes"]] == ["staff:editor-1"]
    assert [u["by"] for u in body["updates"]["struck"]] == ["staff:editor-1"]
    assert [(c["by"], c["reason"]) for c in body["comments"]["hidden"]] == [("staff:moderator-1", "Spam")]
    assert [c["by"] for c in body["comments"]["added"]] == ["reader:Lea"]
    error(api.get(f"/api/articles/{slug}/diff", params={"from": 3}, role="auditor"), 422)
    # The two versions in either order (no schema can say "from <= to"): the same diff.
    backwards = api.get(f"/api/articles/{slug}/diff", params={"from": 3, "to": 2}, role="auditor")
    forwards = api.get(f"/api/articles/{slug}/diff", params={"from": 2, "to": 3}, role="auditor")
    assert backwards.status_code == 200 and backwards.json() == forwards.json()
    error(api.get(f"/api/articles/{slug}/diff", params={"from": 1, "to": 99}, role="auditor"), 404)
    error(api.get(f"/api/articles/{slug}/diff", params={"from": 1, "to": 2}, role="editor"), 403)
