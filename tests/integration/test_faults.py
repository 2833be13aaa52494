"""PostgreSQL restarted under writes, on a server of this test's own: while it is down clients get 503 with
Retry-After within a second (never a 500, never a long wait), no acknowledged write is lost, and the
service recovers by itself.

(Redis killed and restarted under writes and readers: tests/integration/test_cluster_live.py. The projector
killed with SIGKILL mid-batch: tests/integration/test_projection_recovery.py.)
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.server import free_port, running_server
from tests.services import OwnPostgres

DOWN_SECONDS = 12


@pytest.mark.postgres
def test_postgres_restarted_during_writes() -> None:
    postgres = OwnPostgres(free_port())
    postgres.init()
    postgres.start()
    try:
        app = Newsroom.from_url(postgres.url)
        _, token = app.add_staff("desk", Role.EDITOR, by=OPERATOR)
        app.close()
        headers = {"Authorization": f"Bearer {token}"}
        with running_server(postgres.url) as base:
            body = {"slug": "storm-surge", "headline": "Storm surge", "body": "The sea is rising."}
            httpx.post(f"{base}/api/articles", json=body, headers=headers).raise_for_status()
            httpx.post(f"{base}/api/articles/storm-surge/publish", headers=headers).raise_for_status()
            answers: list[tuple[float, int, str | None, dict[str, object]]] = []
            took: list[tuple[float, float, str, int]] = []  # (sent, seconds, what, status)
            stop = threading.Event()

            def editor() -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    sent = time.monotonic()
                    response = httpx.post(
                        f"{base}/api/articles/storm-surge/updates",
                        json={"body": f"Reading {n}"},
                        headers=headers,
                        timeout=60,
                    )
                    answered = time.monotonic()
                    took.append((sent, answered - sent, "append", response.status_code))
                    answers.append(
                        (answered, response.status_code, response.headers.get("retry-after"), response.json())
                    )
                    time.sleep(0.02)

            def reader() -> None:
                while not stop.is_set():
                    for path in ("/api/articles/storm-surge", "/readyz", "/articles/storm-surge"):
                        sent = time.monotonic()
                        status = httpx.get(f"{base}{path}", timeout=60).status_code
                        took.append((sent, time.monotonic() - sent, path, status))
                    time.sleep(0.05)

            writer = threading.Thread(target=editor)
            readers = threading.Thread(target=reader)
            writer.start()
            readers.start()
            time.sleep(1)
            # A request may be refused while the server shuts down, before stop() returns.
            stopping_at = time.monotonic()
            postgres.stop()
            down_at = time.monotonic()
            time.sleep(DOWN_SECONDS)
            postgres.start()
            up_at = time.monotonic()
            # Recovers by itself: writes succeed again without restarting anything.
            deadline = time.monotonic() + 30
            while not [a for a in answers if a[0] > up_at and a[1] == 201] and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)
            stop.set()
            writer.join(timeout=70)
            readers.join(timeout=70)
            # While it was down, writes and reads alike were answered within a second, and never 500.
            during = [t for t in took if down_at + 0.5 < t[0] < up_at - 1.5]
            assert len(during) > 20
            assert max(seconds for _, seconds, _, _ in during) < 1.0, sorted(during, key=lambda t: -t[1])[:5]
            assert {status for _, _, _, status in during} <= {200, 201, 503}
            assert {status for _, _, what, status in during if what == "append"} == {503}

            statuses = {status for _, status, _, _ in answers}
            assert statuses <= {201, 503}, statuses  # never a 500
            refused = [a for a in answers if a[1] == 503]
            assert refused, "no request was refused while the store was down"
            assert all(a[2] is not None and int(a[2]) > 0 for a in refused)  # Retry-After
            assert all(stopping_at <= a[0] for a in refused)
            assert any(a[1] == 201 for a in answers if a[0] > up_at)
            acknowledged = {a[3]["update_id"] for a in answers if a[1] == 201}
            # No acknowledged write lost: every one is in the event store...
            app = Newsroom.from_url(postgres.url)
            try:
                events = list(app.article_events("storm-surge"))
            finally:
                app.close()
            stored = [e.update_id.hex for e in events if hasattr(e, "update_id")]
            assert acknowledged <= set(stored)
            # A write refused mid-outage left nothing half-applied: versions and update ids have no holes.
            assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
            assert len(stored) == len(set(stored))
            # ...and the read model, which had to back off while the store was down, catches up by itself.
            deadline = time.monotonic() + 30
            while True:
                page = httpx.get(f"{base}/api/articles/storm-surge").json()
                if acknowledged <= {update["id"] for update in page["updates"]}:
                    break
                assert time.monotonic() < deadline, "the read model did not catch up"
                time.sleep(0.2)
            ready = httpx.get(f"{base}/readyz")
            assert ready.status_code == 200, ready.text
    finally:
        postgres.remove()
