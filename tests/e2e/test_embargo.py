"""An embargoed story: before its time only the named staff see it, and nothing of it is public; at its time
it is published by the scheduler; afterwards anyone can prove, from a tree head saved before the release,
that the log held its exact content (docs/embargo.md). The checks use tests/rfc9162.py, not the server's
code."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from newsroom.treehead import TreeSigner
from tests.rfc9162 import canonical_commitment, leaf_hash, root_from_inclusion
from tests.server import running_server

SLUG = "reservoir-report"
HEADLINE = "Reservoir inspection finds cracks in the north wall"
BODY = "The inspectors' report lists **three** cracks.\n\n- Two are shallow\n- One is deep"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], bytes]]:
    url = f"sqlite:///{tmp_path}/embargo.sqlite3"
    app = Newsroom.from_url(url)
    tokens = {
        name: app.add_staff(name, role, by=OPERATOR)[1]
        for name, role in (("ana", Role.EDITOR), ("ben", Role.EDITOR), ("carla", Role.EDITOR))
    }
    app.close()
    signer = TreeSigner.generate()
    with running_server(url, NEWSROOM_AUDIT_KEY=signer.setting()) as base:
        yield base, tokens, signer.public_key


def call(base: str, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, base + path, headers=headers, timeout=10, **kwargs)


def checks(proof: dict[str, Any], head: dict[str, Any], inclusion: dict[str, Any], public_key: bytes) -> bool:
    """docs/embargo.md, steps 1 to 3, as an outsider runs them."""
    if canonical_commitment(proof["committed"]) != proof["commitment"]:
        return False
    leaf_input = base64.b64decode(proof["record"]["leaf_input"])
    first_line, _, stored = leaf_input.partition(b"\n")
    position, _, _, topic = json.loads(first_line)
    if topic != "newsroom:Article.Embargoed" or position != proof["record"]["position"]:
        return False
    if json.loads(stored)["commitment"] != proof["commitment"]:
        return False
    leaf = leaf_hash(leaf_input)
    path = [bytes.fromhex(step) for step in inclusion["audit_path"]]
    root = root_from_inclusion(inclusion["leaf_index"], head["tree_size"], leaf, path)
    if root is None or root.hex() != head["root_hash"]:
        return False
    signed = (
        f"newsroom-tree-head/v1\n{head['tree_size']}\n{head['root_hash']}\n{head['last_position']}\n"
        f"{head['timestamp']}\n"
    ).encode()
    Ed25519PublicKey.from_public_bytes(public_key).verify(base64.b64decode(head["signature"]), signed)
    return datetime.fromisoformat(head["timestamp"]) < datetime.fromisoformat(proof["released_at"])


def test_an_embargoed_story_is_hidden_until_its_time_and_its_content_provably_held_before(
    site: tuple[str, dict[str, str], bytes],
) -> None:
    base, tokens, public_key = site
    drafted = call(
        base,
        "POST",
        "/api/articles",
        tokens["ana"],
        json={"slug": SLUG, "headline": HEADLINE, "body": BODY, "authors": ["ana"]},
    )
    assert drafted.status_code == 201, drafted.text
    until = datetime.now(UTC) + timedelta(seconds=4)
    embargoed = call(
        base,
        "POST",
        f"/api/articles/{SLUG}/embargo",
        tokens["ana"],
        json={"until": until.isoformat(), "staff": ["ana", "ben"]},
    )
    assert embargoed.status_code == 200, embargoed.text

    # Before its time: the named staff see it, a colleague not named does not, the public sees nothing.
    after = embargoed.json()["position"]
    assert (
        call(base, "GET", f"/api/articles/{SLUG}?after={after}", tokens["ben"]).json()["headline"] == HEADLINE
    )
    assert call(base, "GET", f"/api/articles/{SLUG}", tokens["carla"]).status_code == 404
    listed = call(base, "GET", "/api/desk/stories", tokens["carla"]).json()["stories"]
    assert SLUG not in {story["slug"] for story in listed}
    for path in (f"/api/articles/{SLUG}", f"/articles/{SLUG}", f"/api/articles/{SLUG}/embargo-proof"):
        assert call(base, "GET", path).status_code == 404, path
    for path in ("/api/articles", "/feed.atom", "/feed.json", "/"):
        assert SLUG not in call(base, "GET", path).text, path

    # A reader keeps the signed tree head of this moment, as the site feed hands it out.
    head = call(base, "GET", f"/api/audit/tree-head?after={after}").json()
    assert head["last_position"] >= after and head["signature"]

    # At its time the scheduler publishes it (within a second).
    while datetime.now(UTC) < until:
        status = call(base, "GET", f"/api/articles/{SLUG}").status_code
        if datetime.now(UTC) < until:  # answered before its time (not one that crossed it)
            assert status == 404
        time.sleep(0.1)
    deadline = time.monotonic() + 1.0
    while (page := call(base, "GET", f"/api/articles/{SLUG}")).status_code != 200:
        assert time.monotonic() < deadline, "not published within a second of its time"
        time.sleep(0.05)
    assert page.json()["headline"] == HEADLINE and "staff" not in json.dumps(page.json().get("embargo"))

    proof = call(base, "GET", f"/api/articles/{SLUG}/embargo-proof").json()
    assert proof["committed"] == {"slug": SLUG, "headline": HEADLINE, "body": BODY}
    inclusion = call(
        base, "GET", f"/api/audit/proof/{proof['record']['position']}?tree_size={head['tree_size']}"
    ).json()
    assert checks(proof, head, inclusion, public_key)

    # One changed byte of the revealed text, and the check fails.
    forged = {**proof, "committed": {**proof["committed"], "body": BODY.replace("three", "thrEe")}}
    assert not checks(forged, head, inclusion, public_key)
