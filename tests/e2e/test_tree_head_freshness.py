"""The audit log's head in every page's footer covers the log, also when the log was loaded as the server
started (the demo story): a head made before the projector had read the log is made again, without waiting
for a reader to ask (the first page after a quiet spell takes the head made last)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from newsroom.demo import DEMO_SLUG
from tests.server import running_server

FOOTER = re.compile(r'id="tree-head" class="tree-head" data-tree-size="(\d+)"')


def test_the_footer_head_catches_up_with_a_log_loaded_at_start(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path}/demo.sqlite3", "--demo") as base:
        time.sleep(3)  # no request meanwhile: only the server's own refresh can have made a newer head
        page = httpx.get(f"{base}/articles/{DEMO_SLUG}")
        assert page.status_code == 200
        found = FOOTER.search(page.text)
        assert found is not None, "the page has no tree head in its footer"
        log = httpx.get(f"{base}/api/audit/tree-head").json()
        assert log["tree_size"] > 0
        assert int(found.group(1)) == log["tree_size"]
