"""What a reader's browser needs to check, by itself, that an update or a correction it is shown is what
the audit log recorded (``web/static/verify.js``), and the ``/verify`` page that explains and runs it.

A proof bundle holds the record's exact bytes (``leaf_input``), the key that opens an update's sealed words
(public once the update is: whoever reads the update may read its record), the RFC 9162 inclusion proof of
the record, and the signed tree head the proof leads to, all of one tree size.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from newsroom import rules
from newsroom.errors import ItemErasedError, NotFoundError, UpdateNotFoundError
from newsroom.sealing import sealed_key
from projections import audit
from projections.article_page import UPDATE
from web.concurrency import blocking
from web.http import JSON
from web.pages.templates import page
from web.params import published_page
from web.services import Services, services


def bundle(svc: Services, position: int) -> dict[str, Any]:
    """The record at ``position``, the key to its sealed text, its inclusion proof and the signed head."""
    head = audit.tree_head(svc.read_models, svc.signer)
    proof = audit.inclusion(svc.read_models, position, head["tree_size"] or None)
    record = audit.public_record(svc.app, position)
    stored = base64.b64decode(record["leaf_input"]).partition(b"\n")[2]
    sealed = orjson.loads(stored).get("sealed")
    key = None
    if isinstance(sealed, dict) and (name := sealed_key(sealed)) is not None:
        found = svc.app.vault.get(name)
        if found is None:
            raise ItemErasedError(f"the words recorded at position {position} were erased")
        key = base64.b64encode(found).decode("ascii")
    return {
        "position": position,
        "leaf_input": record["leaf_input"],
        "key": key,
        "proof": {
            "leaf_index": proof["leaf_index"],
            "tree_size": proof["tree_size"],
            "audit_path": proof["audit_path"],
        },
        "tree_head": head,
    }


async def update_proof(request: Request) -> Response:
    """Public, for an update readers see: the record holding its words as shown now; for an erased one,
    the record of its erasure (kind ``erasure``)."""
    slug, _ = await published_page(request)
    svc = services(request)
    update_id = request.path_params["update_id"]
    found = await blocking(svc.read_models.item_of, slug, update_id)
    if found is None or found[0] != UPDATE or found[1].get("scheduled"):
        raise UpdateNotFoundError(f"no update {update_id} on {slug}")
    update = found[1]
    if not update.get("erased"):
        kind, position = "update", update.get("text_position") or update["position"]
    elif update.get("erased_position") is not None:
        # Its words are gone, but not the record that says so: the erasure's own, with who and why.
        kind, position = "erasure", update["erased_position"]
    else:
        raise ItemErasedError(f"update {update_id} was erased")
    proof = await blocking(bundle, svc, position)
    return JSON({"slug": slug, "kind": kind, "id": update_id, **proof}, headers={"Cache-Control": "no-cache"})


async def correction_proof(request: Request) -> Response:
    """Public, for a correction readers see: the record of the revision that carries its note."""
    slug, article = await published_page(request)
    version = rules.whole_number("version", request.path_params["version"])
    correction = next((c for c in article["corrections"] if c["version"] == version), None)
    if correction is None or correction.get("position") is None:
        raise NotFoundError(f"no correction at version {version} of {slug}")
    proof = await blocking(bundle, services(request), correction["position"])
    return JSON(
        {"slug": slug, "kind": "correction", "version": version, **proof},
        headers={"Cache-Control": "no-cache"},
    )


async def verify_page(request: Request) -> Response:
    return page(request, "verify.html", scripts=["verify.js", "verify-page.js"])
