"""Routes for operators: liveness, readiness, metrics."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from projections.registry import ALL_PROJECTIONS
from web.http import JSON, error_body
from web.services import Services, blocking, services


async def healthz(request: Request) -> Response:
    return JSON({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when the store answers and every read model is within the lag threshold."""
    svc = services(request)
    try:
        head, positions = await blocking(_positions, svc)
    except Exception as error:  # any failure to reach the store means "not ready"
        return JSON(
            error_body("unavailable", f"the store is unreachable: {type(error).__name__}"),
            status_code=503,
            headers={"Retry-After": "2"},
        )
    lag = {name: head - position for name, position in positions.items()}
    ready = max(lag.values(), default=0) <= svc.settings.max_projection_lag
    body = {"status": "ready" if ready else "lagging", "position": head, "projection_lag": lag}
    return JSON(body, status_code=200 if ready else 503)


def _positions(svc: Services) -> tuple[int, dict[str, int]]:
    head = svc.app.last_position()
    return head, {p.name: svc.read_models.position(p.name) for p in ALL_PROJECTIONS}


async def metrics(request: Request) -> Response:
    head, positions = await blocking(_positions, services(request))
    lines = [
        "# HELP newsroom_log_position Global position of the newest stored event.",
        "# TYPE newsroom_log_position gauge",
        f"newsroom_log_position {head}",
        "# HELP newsroom_projection_lag_events Events stored but not yet applied to a read model.",
        "# TYPE newsroom_projection_lag_events gauge",
        *(
            f'newsroom_projection_lag_events{{projection="{name}"}} {head - position}'
            for name, position in positions.items()
        ),
    ]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
