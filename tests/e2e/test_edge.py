"""The edge as operators run it: a real Pushpin holding live readers and a real caching nginx in front of a
real ``newsroom serve`` (deploy/pushpin.conf and deploy/nginx.conf, tests/edges.py)."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.edges import GRIP_KEY, Nginx, Pushpin, edges_missing, running_nginx, running_pushpin
from tests.server import free_port, published_story, running_server
from tests.services import unavailable
from tests.sse import Reader

SLUG = "flood"


class DroppingRelay:
    """Passes publishes on to a Pushpin's control port, except while ``dropping``: a publish lost on the
    way, as when a proxy cannot be reached for a moment."""

    def __init__(self, target: int) -> None:
        self.dropping = False
        self.dropped = 0
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if relay.dropping:
                    relay.dropped += 1
                    self.send_response(200)
                    self.end_headers()
                    return
                request = urllib.request.Request(
                    f"http://127.0.0.1:{target}{self.path}", data=body, method="POST"
                )
                with urllib.request.urlopen(request, timeout=5) as answer:
                    status = answer.status
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@dataclass
class Edge:
    origin: str  # the web process itself
    cache: Nginx
    pushpin: Pushpin
    relay: DroppingRelay  # between the projector and Pushpin's control port
    token: str  # an editor's
    admin: str

    def post(self, path: str, body: dict[str, object], *, admin: bool = False) -> dict[str, object]:
        token = self.admin if admin else self.token
        response = httpx.post(f"{self.origin}{path}", json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 201), response.text
        answer: dict[str, object] = response.json()
        return answer

    def settled(self, position: object) -> None:
        """Once the story's page and the lists hold ``position`` (read your writes, at the origin)."""
        httpx.get(f"{self.origin}/api/articles/{SLUG}", params={"after": position})
        httpx.get(f"{self.origin}/api/articles", params={"after": position})

    def append(self, body: str) -> int:
        return int(str(self.post(f"/api/articles/{SLUG}/updates", {"body": body})["position"]))


def metric(base: str, name: str, labels: str = "") -> float:
    pattern = rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+]+)$"
    found = re.search(pattern, httpx.get(f"{base}/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    reason = edges_missing()
    if reason:
        unavailable(reason)
    url = f"sqlite:///{tmp_path}/edge.sqlite3"
    token = published_story(url, SLUG)
    admin = add_staff(url, "lex", Role.ADMIN)
    port = free_port()
    with (
        running_nginx(tmp_path / "nginx", [port]) as cache,
        running_pushpin(tmp_path / "pushpin", cache.port) as pushpin,
        relayed(pushpin) as relay,
        running_server(
            url,
            port=port,
            NEWSROOM_GRIP_URL=f"http://127.0.0.1:{relay.port}?verify-key={GRIP_KEY}",
            NEWSROOM_PURGE_URL=cache.purge_url,
            NEWSROOM_TRUSTED_PROXIES="127.0.0.1",
        ) as origin,
    ):
        yield Edge(origin, cache, pushpin, relay, token, admin)


@contextmanager
def relayed(pushpin: Pushpin) -> Iterator[DroppingRelay]:
    relay = DroppingRelay(pushpin.control_port)
    try:
        yield relay
    finally:
        relay.close()


def add_staff(url: str, name: str, role: Role) -> str:
    app = Newsroom.from_url(url)
    try:
        return app.add_staff(name, role, by=OPERATOR)[1]
    finally:
        app.close()


def held(edge: Edge, path: str = f"/api/articles/{SLUG}/live", last: int | None = None) -> Reader:
    """A reader connected through Pushpin, once Pushpin holds it."""
    before = metric(edge.origin, "newsroom_grip_answers_total", '{kind="hold"}')
    reader = Reader(f"{edge.pushpin.url}{path}", last_event_id=last).start()
    deadline = time.monotonic() + 10
    while metric(edge.origin, "newsroom_grip_answers_total", '{kind="hold"}') <= before:
        assert time.monotonic() < deadline, "Pushpin never asked the origin"
        time.sleep(0.05)
    return reader


def test_readers_held_by_pushpin_get_each_change_once_in_order_and_the_origin_holds_no_stream(
    edge: Edge,
) -> None:
    story, site = held(edge), held(edge, "/api/live")
    try:
        positions = [edge.append(f"Water at the {n}th step.") for n in range(1, 6)]
        assert story.wait_for(lambda r: positions[-1] in r.ids())
        assert site.wait_for(lambda r: positions[-1] in r.ids())
        assert story.ids() == positions
        assert site.ids() == positions
        assert [e.kind for e in story.events] == ["update-appended"] * 5
        assert "Water at the 3th step." in json.loads(story.events[2].data)["html"]
        assert site.events[0].kind == "tree-head"
        # Pushpin holds the connections: the origin answered once each and keeps nothing open.
        assert metric(edge.origin, "newsroom_open_streams") == 0
    finally:
        story.stop()
        site.stop()


def test_a_reader_resuming_through_pushpin_is_sent_the_present_once(edge: Edge) -> None:
    start = edge.append("The bridge is closed.")
    comment = edge.post(f"/api/articles/{SLUG}/comments", {"author": "Mara", "body": "Rude words here"})
    edge.post(f"/api/articles/{SLUG}/comments/{comment['comment_id']}/hide", {"reason": "abuse"}, admin=True)
    reader = held(edge, last=start)
    try:
        later = edge.append("The bridge has reopened.")
        assert reader.wait_for(lambda r: later in r.ids())
        assert len(reader.ids()) == len(set(reader.ids()))
        kinds = [e.kind for e in reader.events]
        assert kinds == ["comment-hidden", "update-appended"]
        assert "Rude words" not in "".join(e.data for e in reader.events)
    finally:
        reader.stop()


def test_a_message_pushpin_never_got_is_fetched_from_the_origin_and_sent_once(edge: Edge) -> None:
    """The projector's publish of one message is lost on the way: the next one names it as the one
    before, Pushpin sees the gap and asks the origin what its readers lack."""
    reader = held(edge)
    try:
        first = edge.append("Sandbags on Mill Road.")
        assert reader.wait_for(lambda r: first in r.ids())
        edge.relay.dropping = True
        lost = edge.append("The pumps have failed.")
        assert wait_until(lambda: edge.relay.dropped == 1)
        edge.relay.dropping = False
        after = edge.append("The army has arrived.")
        assert reader.wait_for(lambda r: after in r.ids(), timeout=15)
        assert reader.ids() == [first, lost, after]
        assert metric(edge.origin, "newsroom_grip_answers_total", '{kind="recover"}') >= 1
    finally:
        reader.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_reader_not_sent_by_the_proxy_gets_a_direct_stream_even_with_a_forged_grip_sig(edge: Edge) -> None:
    forged = (
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDAsImlzcyI6InB1c2hwaW4ifQ."
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    )
    with httpx.stream(
        "GET", f"{edge.origin}/api/articles/{SLUG}/live", headers={"Grip-Sig": forged}, timeout=5
    ) as response:
        assert response.status_code == 200
        assert "grip-hold" not in response.headers
        assert response.headers["x-accel-buffering"] == "no"
        assert metric(edge.origin, "newsroom_open_streams") == 1
    direct = Reader(f"{edge.origin}/api/articles/{SLUG}/live").start()
    try:
        position = edge.append("Direct readers still get it.")
        assert direct.wait_for(lambda r: position in r.ids())
    finally:
        direct.stop()


def cached_page(edge: Edge, path: str) -> httpx.Response:
    """The page as the cache serves it, once the cache holds it."""
    for _ in range(20):
        response = httpx.get(f"{edge.cache.url}{path}")
        if response.headers.get("x-cache") == "HIT":
            return response
        time.sleep(0.05)
    raise AssertionError(f"{path} was never served from the cache")


def gone_within(edge: Edge, path: str, text: str, since: float) -> float:
    """Seconds from ``since`` until the cache's copy of ``path`` no longer holds ``text``."""
    while time.monotonic() - since < 5:
        response = httpx.get(f"{edge.cache.url}{path}")
        if text not in response.text:
            return time.monotonic() - since
        time.sleep(0.02)
    raise AssertionError(f"{text!r} still in the cache's {path}")


def test_a_hidden_comment_leaves_every_cached_page_within_a_second(edge: Edge) -> None:
    comment = edge.post(f"/api/articles/{SLUG}/comments", {"author": "Ivo", "body": "Shameful slur words"})
    edge.settled(comment["position"])
    paths = [f"/articles/{SLUG}", f"/api/articles/{SLUG}"]
    for path in paths:
        assert "Shameful slur words" in cached_page(edge, path).text
    hidden_at = time.monotonic()
    edge.post(f"/api/articles/{SLUG}/comments/{comment['comment_id']}/hide", {"reason": "slur"}, admin=True)
    assert all(gone_within(edge, path, "Shameful slur words", hidden_at) < 1.0 for path in paths)


def test_an_erased_update_leaves_the_story_its_feeds_and_the_lists_within_a_second(edge: Edge) -> None:
    sent = edge.post(f"/api/articles/{SLUG}/updates", {"body": "Names the wrong family entirely"})
    edge.settled(sent["position"])
    paths = [f"/articles/{SLUG}", f"/articles/{SLUG}/feed.atom", "/", "/feed.json"]
    for path in paths:
        assert "wrong family" in cached_page(edge, path).text
    erased_at = time.monotonic()
    response = httpx.post(
        f"{edge.origin}/api/articles/{SLUG}/updates/{sent['update_id']}/erase",
        json={"reason": "court order"},
        headers={"Authorization": f"Bearer {edge.admin}"},
    )
    assert response.status_code == 200, response.text
    assert all(gone_within(edge, path, "wrong family", erased_at) < 1.0 for path in paths)


def test_a_withdrawn_story_leaves_the_cache_within_a_second(edge: Edge) -> None:
    edge.settled(edge.append("Evacuation of the lower town."))
    assert "Evacuation" in cached_page(edge, f"/articles/{SLUG}").text
    withdrawn_at = time.monotonic()
    edge.post(f"/api/articles/{SLUG}/unpublish", {"reason": "legal review"})
    assert gone_within(edge, f"/articles/{SLUG}", "Evacuation", withdrawn_at) < 1.0
    assert httpx.get(f"{edge.cache.url}/articles/{SLUG}").status_code == 410


def test_pages_between_changes_come_from_the_cache_and_validators_answer_304(edge: Edge) -> None:
    first = cached_page(edge, f"/articles/{SLUG}")
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert "s-maxage=300" in first.headers["cache-control"]
    assert "surrogate-key" not in first.headers  # for caches, hidden from readers
    hits = [httpx.get(f"{edge.cache.url}/articles/{SLUG}").headers["x-cache"] for _ in range(50)]
    assert hits.count("HIT") == 50
    again = httpx.get(f"{edge.cache.url}/articles/{SLUG}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    # The origin answers a revalidation itself with a 304 too, without rendering the page.
    direct = httpx.get(f"{edge.origin}/articles/{SLUG}", headers={"If-None-Match": etag})
    assert direct.status_code == 304
    assert direct.headers["etag"] == etag
    edge.settled(edge.append("A change makes a new page."))
    # The purge follows the change's commit by a moment: within a second the old validator is stale.
    assert wait_until(
        lambda: (
            httpx.get(f"{edge.cache.url}/articles/{SLUG}", headers={"If-None-Match": etag}).status_code == 200
        ),
        timeout=1,
    )
    assert "A change makes a new page." in httpx.get(f"{edge.cache.url}/articles/{SLUG}").text


def test_compose_runs_the_edge_these_tests_run() -> None:
    """compose.yaml's Pushpins and cache are built from the very files these tests run, and the web
    processes' settings name them the way those files expect."""
    import yaml

    from tests.server import ROOT
    from web.edge import grip
    from web.edge.purge import purgers_for

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    environment = services["web"]["environment"]
    assert environment == services["projector"]["environment"]
    proxies = grip.parse(environment["NEWSROOM_GRIP_URL"])
    pushpins = sorted(name for name in services if name.startswith("pushpin"))
    assert [proxy.control_url for proxy in proxies] == [f"http://{name}:5561" for name in pushpins]
    signing = re.search(r"^sig_key=(.+)$", (ROOT / "deploy" / "pushpin.conf").read_text(), re.MULTILINE)
    assert signing is not None
    assert {proxy.verify_key for proxy in proxies} == {signing.group(1).encode()}
    (purger,) = purgers_for([environment["NEWSROOM_PURGE_URL"]])
    assert (purger._host, purger._port) == ("lb", 8081)
    assert "listen 8081;  # edge: purge" in (ROOT / "deploy" / "nginx.conf").read_text()
    for name, built in (("lb", "nginx"), *((name, "pushpin") for name in pushpins)):
        dockerfile = services[name]["build"]["dockerfile"]
        assert f"COPY deploy/{built}.conf" in (ROOT / dockerfile).read_text()
    assert "* lb:80" in (ROOT / "deploy" / "pushpin.Dockerfile").read_text()


@pytest.mark.postgres
@pytest.mark.redis
def test_the_edge_benchmark_at_small_size_loses_and_doubles_nothing_across_a_killed_pushpin(
    tmp_path: Path,
) -> None:
    """bench/edge.py's edge run, small: two Pushpins, the cache, three web processes and a projector on
    PostgreSQL and Redis; one Pushpin killed with -9 while updates go on."""
    import argparse

    from bench import edge as bench

    reason = edges_missing()
    if reason:
        unavailable(reason)
    args = argparse.Namespace(readers=300, messages=3, page_rate=50.0, page_seconds=2.0, ramp=300.0)
    mode = bench.edge(args, tmp_path)
    assert mode.connected == 300
    assert mode.missing == 0
    assert (mode.lost, mode.doubled, mode.exact) == (0, 0, 300)
    assert mode.hit_ratio is not None
    assert mode.hit_ratio >= 0.9
    assert mode.page_errors == 0
    # Most new readers were answered by the cache, not the web processes.
    assert mode.answers.get("hold", 0) < 300
