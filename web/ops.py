"""Routes for operators: liveness, readiness, metrics."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from projections.registry import ALL_PROJECTIONS
from web.concurrency import blocking
from web.http import JSON, error_body
from web.metrics import exposition
from web.services import Services, services


async def healthz(request: Request) -> Response:
    return JSON({"status": "ok"})


# A projector that has not said it is running for this long has stopped, whatever its lag says: it says so
# every 2 s (projections.projector), between batches and while idle.
PROJECTOR_STALLED_SECONDS = 10.0


async def readyz(request: Request) -> Response:
    """Ready when the store answers, every read model is within the lag threshold, and the projector has
    said it is running within PROJECTOR_STALLED_SECONDS."""
    svc = services(request)
    try:
        head, positions, beat_age = await blocking(_standing, svc)
    except Exception as error:  # any failure to reach the store means "not ready"
        return JSON(
            error_body("unavailable", f"the store is unreachable: {type(error).__name__}"),
            status_code=503,
            headers={"Retry-After": "2"},
        )
    lag = {name: head - position for name, position in positions.items()}
    status = "ready"
    if max(lag.values(), default=0) > svc.settings.max_projection_lag:
        status = "lagging"
    if beat_age is None or beat_age > PROJECTOR_STALLED_SECONDS:
        status = "projector_stalled"
    body = {
        "status": status,
        "position": head,
        "projection_lag": lag,
        "projector_heard_seconds_ago": None if beat_age is None else round(beat_age, 1),
    }
    return JSON(body, status_code=200 if status == "ready" else 503)


def _positions(svc: Services) -> tuple[int, dict[str, int]]:
    head = svc.app.last_position()
    return head, {p.name: svc.read_models.position(p.name) for p in ALL_PROJECTIONS}


def _beat_age(svc: Services) -> float | None:
    """Seconds since the projector last said it was running (None: never)."""
    beat = svc.read_models.last_beat()
    return None if beat is None else max(0.0, time.time() - beat / 1000)


def _standing(svc: Services) -> tuple[int, dict[str, int], float | None]:
    head, positions = _positions(svc)
    return head, positions, _beat_age(svc)


async def metrics(request: Request) -> Response:
    svc = services(request)
    body = await blocking(exposition, lambda: _lag(svc), lambda: _beat_age(svc))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _lag(svc: Services) -> dict[str, tuple[int, float]]:
    """Per read model: events behind, and the age in seconds of the oldest event it has not applied."""
    head, positions = _positions(svc)
    lag = {}
    for name, position in positions.items():
        age = 0.0
        if position < head:
            oldest = svc.app.recorder.select_notifications(start=position + 1, limit=1)
            if oldest:
                event: Any = svc.app.mapper.to_domain_event(oldest[0])
                age = max(0.0, time.time() - event.timestamp.timestamp())
        lag[name] = (head - position, age)
    return lag
