"""Regression: a web process's shutdown closed the store while a blocking call was still running in the
thread pool (the feed's catch-up, cancelled as a task, kept querying in its thread). On SQLite that was a
segmentation fault of the whole process, seen in CI during a test client's teardown."""

from __future__ import annotations

import time
from typing import Any

from starlette.testclient import TestClient

from newsroom import Newsroom
from web.app import create_app
from web.concurrency import blocking
from web.services import Services
from web.settings import Settings


def test_shutdown_waits_for_running_store_calls_before_closing_the_store(sql_url: str) -> None:
    outcome: list[Any] = []

    def slow_query(app: Newsroom) -> None:
        time.sleep(0.5)  # still running when the shutdown starts
        try:
            outcome.append(app.last_position())
        except Exception as error:
            outcome.append(error)

    with TestClient(create_app(Settings(database_url=sql_url))) as client:
        services: Services = client.app_state["services"]

        async def call() -> None:
            await blocking(slow_query, services.app)

        client.portal.start_task_soon(call)
        time.sleep(0.1)  # the call is in the pool
    assert outcome == [0], outcome  # it ran to the end on an open store: nothing was written, so position 0
