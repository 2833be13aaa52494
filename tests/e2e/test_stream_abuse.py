"""Streams and connections that cannot be abused, against a real `newsroom serve` over real sockets."""

from __future__ import annotations

import concurrent.futures
import re
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.server import published_story, running_server
from tests.sse import Reader, site_feed_opens


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path}/abuse.sqlite3"
    return url, published_story(url, "flood")


def metric(base: str, name: str) -> float:
    found = re.search(rf"^{name} ([0-9.e+]+)$", httpx.get(f"{base}/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def slow_reader(base: str, path: str = "/api/articles/flood/live") -> socket.socket:
    """A reader that asks for a stream and then reads nothing, with a tiny receive buffer."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    return sock


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server has closed the connection: reading (everything) ends in EOF or a reset."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if sock.recv(1 << 20) == b"":
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            continue
    return False


def wait_until(condition: object, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_reader_cut_off_for_not_reading_has_its_connection_closed_and_its_slot_freed(
    store: tuple[str, str],
) -> None:
    url, token = store
    with running_server(url, NEWSROOM_STREAM_BUFFER="8", NEWSROOM_MAX_STREAMS="3") as base:
        slow = [slow_reader(base) for _ in range(3)]
        try:
            assert wait_until(lambda: metric(base, "newsroom_stream_connections") == 3)
            assert httpx.get(f"{base}/api/live").status_code == 503  # every slot is taken
            big = "The river is rising. " * 470  # about 10 KB an update: 6 MB is more than sockets buffer
            headers = {"Authorization": f"Bearer {token}"}
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                list(
                    pool.map(
                        lambda n: httpx.post(
                            f"{base}/api/articles/flood/updates", json={"body": f"{n} {big}"}, headers=headers
                        ),
                        range(600),
                    )
                )
            assert wait_until(lambda: metric(base, "newsroom_slow_readers_dropped_total") >= 3)
            # The slow readers still hold their sockets, reading nothing: the server closed them anyway,
            # dropped what was queued for them, and gave their slots back.
            assert wait_until(lambda: metric(base, "newsroom_stream_connections") == 0)
            assert site_feed_opens(base)
            assert all(closed_by_server(sock, within=10) for sock in slow)
        finally:
            for sock in slow:
                sock.close()


def test_one_client_may_hold_only_so_many_streams(store: tuple[str, str]) -> None:
    url, _ = store
    with running_server(
        url, NEWSROOM_MAX_STREAMS_PER_CLIENT="3", NEWSROOM_TRUSTED_PROXIES="127.0.0.1"
    ) as base:
        mine = [Reader(f"{base}/api/live").start() for _ in range(3)]
        try:
            refused = httpx.get(f"{base}/api/live")
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "too_many_streams_for_client"
            assert refused.headers["retry-after"] == "5"
            other = httpx.get(
                f"{base}/api/live?last_event_id=999999999", headers={"X-Forwarded-For": "203.0.113.4"}
            )
            assert other.status_code == 200  # another client (behind the trusted proxy) is not held to it
            mine.pop().stop()
            assert wait_until(
                lambda: httpx.get(f"{base}/api/live?last_event_id=999999999").status_code == 200
            )
        finally:
            for reader in mine:
                reader.stop()


def _raw(base: str, sent: bytes) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    if sent:
        sock.sendall(sent)
    return sock


def test_a_request_whose_head_or_body_does_not_arrive_in_time_is_closed(store: tuple[str, str]) -> None:
    url, _ = store
    with running_server(url, NEWSROOM_REQUEST_TIMEOUT="1") as base:
        half_sent = [
            _raw(base, b""),  # connects and says nothing
            _raw(base, b"GET /api/articles HTTP/1.1\r\nHost: x\r\n"),  # a head that never ends
            _raw(  # a body that never arrives
                base,
                b"POST /api/articles/flood/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"author": ',
            ),
            *(_raw(base, b"GET / HTTP/1.1\r\n") for _ in range(200)),
        ]
        try:
            started = time.monotonic()
            assert all(closed_by_server(sock, within=5) for sock in half_sent)
            assert time.monotonic() - started < 6
            # Whoever sends a whole request is served as ever, a stream included (it has no deadline).
            assert httpx.get(f"{base}/api/articles").status_code == 200
            reader = Reader(f"{base}/api/articles/flood/live").start()
            try:
                time.sleep(1.5)
                assert not reader.ended.is_set()
            finally:
                reader.stop()
        finally:
            for sock in half_sent:
                sock.close()
