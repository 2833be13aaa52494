"""Read models are a pure function of the log: equal to a rebuild after any commands, and after a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsroom import Article, Newsroom
from newsroom.demo import load_demo
from projections.projector import Projector
from projections.rebuild import rebuild
from projections.registry import ALL_PROJECTIONS, open_read_models
from tests.conftest import url_factory
from tests.integration.test_replay_property import OPERATIONS, run

ROOT = Path(__file__).resolve().parents[2]


def assert_equal_to_rebuild(app: Newsroom) -> None:
    store = open_read_models(app)
    for projection in ALL_PROJECTIONS:
        live = store.dump(projection)
        rebuild(app, store, projection)
        assert store.dump(projection) == live, projection.name


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_read_models_equal_a_rebuild_after_any_commands(backend: str, request: pytest.FixtureRequest) -> None:
    workdir = tempfile.TemporaryDirectory()
    request.addfinalizer(workdir.cleanup)
    new_url = url_factory(backend, request, Path(workdir.name))

    @settings(
        max_examples=10 if backend == "postgres" else 20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        operations=OPERATIONS,
        batch_size=st.integers(min_value=1, max_value=12),
        rounds=st.integers(min_value=1, max_value=4),
    )
    def check(operations: list[tuple[str, int, str]], batch_size: int, rounds: int) -> None:
        app = Newsroom.from_url(new_url())
        try:
            projector = Projector(app, open_read_models(app), batch_size=batch_size)
            # Project part-way through as well as at the end, so batches meet state built earlier.
            chunk = max(1, len(operations) // rounds)
            article: Article | None = None
            for start in range(0, max(1, len(operations)), chunk):
                article = run(app, operations[start : start + chunk], article)
                projector.catch_up()
            assert_equal_to_rebuild(app)
        finally:
            app.close()

    check()


def _project(url: str, batch_size: int) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSROOM_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "newsroom_cli", "project", "--batch-size", str(batch_size)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_projector_killed_mid_batch_recovers_without_applying_anything_twice(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = url_factory(backend, request, tmp_path)()
    app = Newsroom.from_url(url)
    load_demo(app)
    article = app.article("varne-river-flooding-eastbrook")
    for i in range(4000):
        article.append_update(body=f"Level reading {i}", label=None, actor="staff:bench")
        if i % 7 == 0:
            article.add_comment(author=f"Reader {i % 13}", body=f"Comment {i}", reply_to=None)
        if i % 500 == 499:
            app.save(article)
    app.save(article)
    head = app.last_position()
    store = open_read_models(app)

    projector = _project(url, batch_size=1500)
    deadline = time.monotonic() + 60
    while store.position("article-pages") == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    killed_at = store.position("article-pages")
    projector.send_signal(signal.SIGKILL)
    projector.wait(timeout=10)
    assert 0 < killed_at < head, "the kill should land while batches are still being applied"
    # Whatever was in flight was rolled back: the tracking position is a batch boundary.
    assert killed_at % 1500 == 0 or killed_at == head

    restarted = _project(url, batch_size=1500)
    try:
        assert store.wait_for(head, timeout=60)
        for projection in ALL_PROJECTIONS:
            assert store.wait_for(head, timeout=60, projection=projection.name)
    finally:
        restarted.send_signal(signal.SIGTERM)
        _, stderr = restarted.communicate(timeout=20)
    assert restarted.returncode == 0, stderr
    page = store.article_page("varne-river-flooding-eastbrook")
    assert page is not None
    assert len(page["updates"]) == 3 + 4000
    assert page["update_count"] == 3 + 4000  # a twice-applied batch would count its updates twice
    assert_equal_to_rebuild(app)
    app.close()
