"""Faults an operator meets, against a real `newsroom serve`: a client that hangs up mid-body is its own
doing (no 500, no traceback), and a projector that dies is noticed by /readyz and /metrics within 10 s
even though its lag stays small."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.server import ROOT, published_story, running_server


def test_a_client_that_hangs_up_mid_body_is_logged_as_the_clients_doing_without_a_traceback(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/gone.sqlite3"
    token = published_story(url, "flood")
    with running_server(url, "--log-level", "info", NEWSROOM_LOG_FORMAT="text") as base:
        host, port = base.removeprefix("http://").split(":")
        for _ in range(3):
            with socket.create_connection((host, int(port))) as sock:
                sock.sendall(
                    b"POST /api/articles/flood/updates HTTP/1.1\r\nHost: x\r\n"
                    + f"Authorization: Bearer {token}\r\n".encode()
                    + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + b'fffffffffffffff\r\n{"body": "half'
                )
                time.sleep(0.2)
        assert httpx.get(f"{base}/healthz").status_code == 200
        process = running_server.last_process  # type: ignore[attr-defined]
    output = process.stdout.read()
    assert "client closed the connection during POST /api/articles/flood/updates" in output
    assert "Traceback" not in output
    assert not re.search(r"POST /api/articles/flood/updates 5\d\d", output), output
    assert re.search(r"POST /api/articles/flood/updates 499", output), output


def test_a_dead_projector_is_noticed_by_readiness_and_metrics_within_ten_seconds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/stall.sqlite3"
    token = published_story(url, "flood")
    projector = subprocess.Popen(
        [sys.executable, "-m", "newsroom_cli", "project"],
        cwd=ROOT,
        env={**os.environ, "NEWSROOM_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with running_server(url, NEWSROOM_PROJECTOR="external", NEWSROOM_MAX_PROJECTION_LAG="1000") as base:
            deadline = time.monotonic() + 20
            while httpx.get(f"{base}/readyz").status_code != 200:
                assert time.monotonic() < deadline, httpx.get(f"{base}/readyz").text
                time.sleep(0.1)
            projector.send_signal(signal.SIGKILL)
            projector.wait()
            killed = time.monotonic()
            # One more write: the lag (1) stays far under the threshold (1000).
            httpx.post(
                f"{base}/api/articles/flood/updates",
                json={"body": "Nobody projects this."},
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
            while (ready := httpx.get(f"{base}/readyz")).status_code == 200:
                assert time.monotonic() - killed < 12, ready.text
                time.sleep(0.2)
            assert time.monotonic() - killed <= 12
            body = ready.json()
            assert body["status"] == "projector_stalled"
            assert body["projection_lag"]["article-pages"] <= 2
            heard = re.search(
                r"^newsroom_projector_heard_seconds_ago ([0-9.e+]+)$", httpx.get(f"{base}/metrics").text, re.M
            )
            assert heard is not None
            assert float(heard.group(1)) > 10
    finally:
        if projector.poll() is None:
            projector.kill()
