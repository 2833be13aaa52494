"""Prometheus metrics (prometheus-client).

Counters and histograms are updated where things happen; the projection lag is read from the database when
scraped. With several worker processes (``newsroom serve --workers N``) the CLI points
PROMETHEUS_MULTIPROC_DIR at a fresh directory before the workers start, and a scrape of any worker reports
the sum over all of them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

EVENTS_APPENDED = Counter("newsroom_events_appended_total", "Events stored by this process's commands.")
COMMANDS = Counter(
    "newsroom_commands_total",
    "Commands by name and outcome (ok, replayed, or the error code).",
    ["command", "outcome"],
)
OPEN_STREAMS = Gauge("newsroom_open_streams", "Live SSE streams open now.", multiprocess_mode="livesum")
STREAM_CONNECTIONS = Gauge(
    "newsroom_stream_connections",
    "Connections that opened a live stream and are not closed yet (what the stream caps count).",
    multiprocess_mode="livesum",
)
MESSAGES_FANNED_OUT = Counter("newsroom_messages_fanned_out_total", "Messages handed to live readers.")
SLOW_READERS_DROPPED = Counter(
    "newsroom_slow_readers_dropped_total",
    "Readers cut off because they fell too far behind or stopped reading.",
)
GRIP_ANSWERS = Counter(
    "newsroom_grip_answers_total",
    "Live requests from a GRIP proxy answered: hold (a new reader), recover (a proxy asking what its "
    "readers missed), resync (a position of another store).",
    ["kind"],
)
EDGE_PUBLISHES = Counter(
    "newsroom_edge_publishes_total",
    "Batches of live messages published to a GRIP proxy, or purges sent to a cache, by outcome.",
    ["edge", "outcome"],
)
POST_TO_PUSH = Histogram(
    "newsroom_post_to_push_seconds",
    "From a change's event time (during its POST) to its hand-off to this process's live readers.",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def event_age(data: bytes, now: float) -> float | None:
    """Seconds since the ``at`` of a timeline message (found without decoding the whole message: its first
    keys are kind, slug, position, version, at, none of which can hold a quote)."""
    start = data.find(b'"at":"', 0, 300)
    if start < 0:
        return None
    start += 6
    end = data.index(b'"', start)
    return now - datetime.fromisoformat(data[start:end].decode()).timestamp()


class ProjectionLag(Collector):
    """Lag of each read model, in events and in seconds (the age of the oldest event not yet applied), and
    how long ago the projector last said it was running."""

    def __init__(
        self, measure: Callable[[], dict[str, tuple[int, float]]], heard: Callable[[], float | None]
    ) -> None:
        self._measure = measure
        self._heard = heard

    def collect(self) -> Iterator[Metric]:
        events = GaugeMetricFamily(
            "newsroom_projection_lag_events",
            "Events stored but not yet applied to a read model.",
            labels=["projection"],
        )
        seconds = GaugeMetricFamily(
            "newsroom_projection_lag_seconds",
            "Age of the oldest event a read model has not applied.",
            labels=["projection"],
        )
        for name, (behind, age) in self._measure().items():
            events.add_metric([name], behind)
            seconds.add_metric([name], age)
        yield events
        yield seconds
        heard = self._heard()
        beat = GaugeMetricFamily(
            "newsroom_projector_heard_seconds_ago",
            "Seconds since the projector last said it was running (every 2 s); absent: never.",
        )
        if heard is not None:
            beat.add_metric([], heard)
        yield beat


def exposition(lag: Callable[[], dict[str, tuple[int, float]]], heard: Callable[[], float | None]) -> bytes:
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(ProjectionLag(lag, heard))
        return generate_latest(registry)
    from prometheus_client import REGISTRY

    registry.register(ProjectionLag(lag, heard))
    return generate_latest(REGISTRY) + generate_latest(registry)


def observe_dispatch(data: bytes) -> None:
    age = event_age(data, time.time())
    if age is not None:
        POST_TO_PUSH.observe(max(age, 0.0))
