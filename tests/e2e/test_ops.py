"""What operators watch, over a real server: Prometheus metrics (one worker and several) and JSON logs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.e2e.test_live import append, publish_story
from tests.server import running_server
from tests.sse import Reader


def editor_token(url: str) -> str:
    app = Newsroom.from_url(url)
    try:
        return app.add_staff("desk", Role.EDITOR, by=OPERATOR)[1]
    finally:
        app.close()


def samples(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{base}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def write_story(base: str, token: str, slug: str, updates: int) -> list[int]:
    publish_story(base, token, slug)
    return [append(base, token, slug, f"Update {n}") for n in range(updates)]


def test_metrics_count_commands_events_streams_and_push_latency(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ops.sqlite3"
    token = editor_token(url)
    with running_server(url) as base:
        write_story(base, token, "gale", 0)
        reader = Reader(f"{base}/api/articles/gale/live").start()
        try:
            write_story(base, token, "gale-2", 0)
            positions = [
                httpx.post(
                    f"{base}/api/articles/gale/updates",
                    json={"body": f"Gust {n}"},
                    headers={"Authorization": f"Bearer {token}"},
                ).json()["position"]
                for n in range(3)
            ]
            assert reader.wait_for(lambda r: positions[-1] in r.ids())
            stale = httpx.post(
                f"{base}/api/articles/gale/updates",
                json={"body": "Late"},
                headers={"Authorization": f"Bearer {token}", "If-Match": "1"},
            )
            assert stale.status_code == 409
            found = samples(base)
            assert found[("newsroom_open_streams", ())] == 1
        finally:
            reader.stop()
        assert found[("newsroom_commands_total", (("command", "append_update"), ("outcome", "ok")))] == 3
        assert (
            found[
                ("newsroom_commands_total", (("command", "append_update"), ("outcome", "version_conflict")))
            ]
            == 1
        )
        assert found[("newsroom_commands_total", (("command", "draft_article"), ("outcome", "ok")))] == 2
        assert found[("newsroom_events_appended_total", ())] >= 2 + 2 + 3
        assert found[("newsroom_messages_fanned_out_total", ())] >= 3
        assert found[("newsroom_post_to_push_seconds_count", ())] >= 3
        assert found[("newsroom_slow_readers_dropped_total", ())] == 0
        lag = {
            labels: value
            for (name, labels), value in found.items()
            if name == "newsroom_projection_lag_events"
        }
        assert {dict(labels)["projection"] for labels in lag} >= {"article-pages", "front-page", "audit-tree"}
        assert ("newsroom_projection_lag_seconds", (("projection", "article-pages"),)) in found


def test_with_several_workers_any_scrape_reports_them_all(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/workers.sqlite3"
    token = editor_token(url)
    with running_server(url, "--workers", "2") as base:
        write_story(base, token, "squall", 6)
        # Requests land on either worker; every scrape (on either worker) sums both.
        counts = {
            samples(base)[("newsroom_commands_total", (("command", "append_update"), ("outcome", "ok")))]
            for _ in range(6)
        }
    assert counts == {6}


def test_logs_are_json_lines_with_request_ids_and_no_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/logs.sqlite3"
    token = editor_token(url)
    with running_server(url, "--log-level", "info") as base:
        write_story(base, token, "fog", 1)
        tagged = httpx.get(f"{base}/api/articles/fog", headers={"X-Request-ID": "trace-42"})
        assert tagged.headers["x-request-id"] == "trace-42"
        generated = httpx.get(f"{base}/api/articles/nowhere", params={"token": token})
        assert len(generated.headers["x-request-id"]) == 32
        # A live stream is served ahead of the middleware, but keeps its id and gets its line when it ends.
        with httpx.stream("GET", f"{base}/api/live", headers={"X-Request-ID": "stream-7"}) as stream:
            assert stream.headers["x-request-id"] == "stream-7"
        process = running_server.last_process  # type: ignore[attr-defined]
    output = process.stdout.read()
    secret = token.split("_", 2)[2]  # nr_<staff id>_<secret>; the secret itself may hold "_"
    assert len(secret) > 30 and token not in output and secret not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    access = [line for line in lines if line["logger"] == "newsroom.access"]
    assert {"path": "/api/articles/fog", "status": 200, "request_id": "trace-42"}.items() <= next(
        line for line in access if line["request_id"] == "trace-42"
    ).items()
    missing = next(line for line in access if line["path"] == "/api/articles/nowhere")
    assert missing["status"] == 404 and missing["request_id"] == generated.headers["x-request-id"]
    streamed = next(line for line in access if line["request_id"] == "stream-7")
    assert streamed["path"] == "/api/live" and streamed["status"] == 200
    writes = [line for line in access if line["method"] == "POST"]
    assert len(writes) == 3 and all(line["request_id"] for line in writes)
