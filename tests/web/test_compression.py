"""gzip goes to clients that ask for it, and only where a body is worth compressing."""

from __future__ import annotations

import orjson

from tests.web.conftest import Api


def test_a_large_body_is_gzipped_for_a_client_that_accepts_it(api: Api) -> None:
    answer = api.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in answer.headers["vary"]
    assert orjson.loads(answer.content)["openapi"].startswith("3.")  # the client undid the gzip


def test_a_client_that_does_not_accept_gzip_gets_the_plain_body(api: Api) -> None:
    answer = api.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in answer.headers
    assert int(answer.headers["content-length"]) == len(answer.content) > 1024
    assert orjson.loads(answer.content)["openapi"].startswith("3.")


def test_a_small_body_is_sent_as_it_is(api: Api) -> None:
    answer = api.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in answer.headers
    assert answer.json() == {"status": "ok"}
