"""Live feeds over real sockets against a real `newsroom serve` process (embedded SQLite and projector)."""

from __future__ import annotations

import concurrent.futures
import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.server import running_server
from tests.sse import Reader, site_feed_opens


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path}/live.sqlite3"
    app = Newsroom.from_url(url)
    _, token = app.add_staff("desk", Role.EDITOR, by=OPERATOR)
    app.close()
    with running_server(url, NEWSROOM_STREAM_BUFFER="8") as base:
        yield base, token


def publish_story(base: str, token: str, slug: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        httpx.post(
            f"{base}/api/articles", json={"slug": slug, "headline": "Storm", "body": "Wind."}, headers=headers
        ).status_code
        == 201
    )
    published = httpx.post(f"{base}/api/articles/{slug}/publish", headers=headers)
    assert published.status_code == 200
    # Read-your-writes: once the page answers, the read model holds the publication.
    page = httpx.get(f"{base}/api/articles/{slug}", params={"after": published.json()["position"]})
    assert page.status_code == 200


def append(base: str, token: str, slug: str, body: str) -> int:
    response = httpx.post(
        f"{base}/api/articles/{slug}/updates",
        json={"body": body},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["position"])


def test_a_published_update_arrives_live(server: tuple[str, str]) -> None:
    base, token = server
    publish_story(base, token, "storm")
    article = Reader(f"{base}/api/articles/storm/live").start()
    site = Reader(f"{base}/api/live").start()
    try:
        position = append(base, token, "storm", "Trees down on the coast road.")
        assert article.wait_for(lambda r: position in r.ids())
        assert site.wait_for(lambda r: position in r.ids())
        event = article.events[-1]
        assert event.kind == "update-appended"
        message = json.loads(event.data)
        assert (message["slug"], message["position"], message["update"]["body"]) == (
            "storm",
            position,
            "Trees down on the coast road.",
        )
        assert article.status == 200
        # The site feed opened with the audit log's signed head (no id, so resuming is unaffected).
        head = site.events[0]
        assert (head.kind, head.id) == ("tree-head", None)
        # A head may be up to a second old, so it commits to a prefix of the log as it stands now.
        sent = json.loads(head.data)
        now = httpx.get(f"{base}/api/audit/tree-head").json()
        assert {"tree_size", "root_hash", "last_position", "timestamp", "signature"} <= sent.keys()
        assert 0 <= sent["tree_size"] <= now["tree_size"]
        assert sent["last_position"] <= now["last_position"]
        assert article.events[0].kind != "tree-head"
    finally:
        article.stop()
        site.stop()


def test_a_reader_who_reconnects_gets_exactly_what_was_missed(server: tuple[str, str]) -> None:
    base, token = server
    publish_story(base, token, "tide")
    first = Reader(f"{base}/api/articles/tide/live").start()
    seen = append(base, token, "tide", "High tide at 6.")
    assert first.wait_for(lambda r: seen in r.ids())
    first.stop()  # the connection drops here
    missed = [append(base, token, "tide", f"Missed update {n}") for n in range(5)]
    httpx.post(f"{base}/api/articles/tide/comments", json={"author": "Lea", "body": "Stay safe"})
    again = Reader(f"{base}/api/articles/tide/live", last_event_id=seen).start()
    try:
        later = append(base, token, "tide", "After the reconnect")
        assert again.wait_for(lambda r: later in r.ids())
        ids = again.ids()
        assert ids == sorted(set(ids))  # in order, nothing twice
        assert ids[:5] == missed
        assert [e.kind for e in again.events] == ["update-appended"] * 5 + [
            "comment-added",
            "update-appended",
        ]
    finally:
        again.stop()


def test_last_event_id_as_a_query_parameter_and_resync(server: tuple[str, str]) -> None:
    base, token = server
    publish_story(base, token, "quay")
    first = append(base, token, "quay", "One")
    second = append(base, token, "quay", "Two")
    by_query = Reader(f"{base}/api/articles/quay/live?last_event_id={first}").start()
    try:
        assert by_query.wait_for(lambda r: second in r.ids())
        assert first not in by_query.ids()
    finally:
        by_query.stop()
    stale = Reader(f"{base}/api/live", last_event_id=10**9).start()
    assert stale.ended.wait(10)
    assert [e.kind for e in stale.events] == ["resync"]


def test_unknown_and_unpublished_articles_have_no_feed(server: tuple[str, str]) -> None:
    base, token = server
    unknown = httpx.get(f"{base}/api/articles/nothing-here/live", headers={"X-Request-ID": "req-live-1"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "article_not_found"
    assert unknown.headers["x-request-id"] == "req-live-1"  # live routes skip the router, not the request id
    assert httpx.post(f"{base}/api/live").status_code == 405
    httpx.post(
        f"{base}/api/articles",
        json={"slug": "embargoed", "headline": "H", "body": "B"},
        headers={"Authorization": f"Bearer {token}"},
    )
    response = httpx.get(f"{base}/api/articles/embargoed/live")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "article_not_found"


def test_a_slow_reader_is_cut_off_without_slowing_the_others_and_resumes(server: tuple[str, str]) -> None:
    base, token = server
    publish_story(base, token, "flood")
    # The slow reader: a raw socket with a tiny receive buffer that reads nothing until the end.
    host, port = base.removeprefix("http://").split(":")
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((host, int(port)))
    slow.sendall(
        f"GET /api/articles/flood/live HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    fast = Reader(f"{base}/api/articles/flood/live").start()
    # The kernel lets a connection buffer up to 4 MB on loopback (tcp_wmem), so send about 6 MB.
    # About 10 KB a frame: an update's message carries its text, its HTML and its rendered fragment.
    big = "The river is rising. " * 160
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            positions = sorted(pool.map(lambda n: append(base, token, "flood", f"{n}: {big}"), range(600)))
        assert fast.wait_for(lambda r: positions[-1] in r.ids(), timeout=60)
        assert fast.ids() == positions  # the fast reader got everything, in order, while the slow one stalled
        slow.settimeout(10)
        received = b""
        deadline = time.monotonic() + 20
        while b"event: overflow" not in received and time.monotonic() < deadline:
            chunk = slow.recv(1 << 16)
            if not chunk:
                break
            received += chunk
        assert b"event: overflow" in received  # the slow reader was told, then cut off
        last_id = max(int(line[4:]) for line in received.split(b"\n") if line.startswith(b"id: "))
        assert last_id < positions[-1]
    finally:
        slow.close()
        fast.stop()
    resumed = Reader(f"{base}/api/articles/flood/live", last_event_id=last_id).start()
    try:
        assert resumed.wait_for(lambda r: positions[-1] in r.ids(), timeout=20)
        assert resumed.ids() == [p for p in positions if p > last_id]  # resumes cleanly: no gap, no repeat
    finally:
        resumed.stop()


def test_sigterm_closes_open_streams_within_five_seconds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/term.sqlite3"
    with running_server(url, "--log-level", "info") as base:
        readers = [Reader(f"{base}/api/live").start() for _ in range(5)]
        process = running_server.last_process  # type: ignore[attr-defined]
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal so its parent sees why it exited.
        assert process.wait(timeout=10) in (0, -signal.SIGTERM)
        took = time.monotonic() - started
        assert all(reader.ended.wait(5) for reader in readers)
        log = process.stdout.read()
    assert "Application shutdown complete" in log  # the lifespan ran: projector stopped, store closed
    assert took < 5.5, f"shutdown took {took:.1f} s with streams open"


def test_a_process_takes_only_so_many_streams(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cap.sqlite3"
    with running_server(url, NEWSROOM_MAX_STREAMS="2") as base:
        readers = [Reader(f"{base}/api/live").start() for _ in range(2)]
        try:
            refused = httpx.get(f"{base}/api/live")
            assert refused.status_code == 503
            assert refused.json()["error"]["code"] == "too_many_streams"
            assert refused.headers["retry-after"] == "5"
        finally:
            for reader in readers:
                reader.stop()


def test_a_reader_that_hangs_up_frees_its_stream_within_a_heartbeat(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/hangup.sqlite3"
    with running_server(url, NEWSROOM_MAX_STREAMS="1", NEWSROOM_HEARTBEAT="0.5") as base:
        first = Reader(f"{base}/api/live").start()
        assert httpx.get(f"{base}/api/live").status_code == 503  # the one stream is taken
        assert first.wait_for(lambda r: any(e.kind == "tree-head" for e in r.events))
        first.stop()  # the reader goes away without a word
        deadline = time.monotonic() + 5
        while "newsroom_open_streams 1.0" in httpx.get(f"{base}/metrics").text:
            assert time.monotonic() < deadline, "the gone reader still holds its stream"
            time.sleep(0.1)
        assert site_feed_opens(base)


def test_a_live_update_carries_the_fragment_a_reload_of_the_page_shows(server: tuple[str, str]) -> None:
    """One template renders an update for the page and for the live message (web/templates/fragments)."""
    base, token = server
    publish_story(base, token, "harbour")
    reader = Reader(f"{base}/api/articles/harbour/live").start()
    try:
        append(base, token, "harbour", 'Boats <b>back</b> & "safe".\n\nMore at noon.')
        assert reader.wait_for(lambda r: any(e.kind == "update-appended" for e in r.events))
    finally:
        reader.stop()
    message = json.loads(next(e.data for e in reader.events if e.kind == "update-appended"))
    page = httpx.get(f"{base}/articles/harbour").text
    start = page.index(f'<li id="u-{message["update"]["id"]}"')
    assert page[start : start + len(message["html"])] == message["html"]
    assert '<p>Boats &lt;b&gt;back&lt;/b&gt; &amp; "safe".</p>' in message["html"]  # markup stays text
