"""Publishing live messages to GRIP proxies (EPCP ``POST /publish/``): once per message and channel, to
every proxy, after each projected batch.

Each message goes to its story's channel and to the site's, as the frame a direct reader gets (the same
bytes: ``web.fanout.hub.frame_of`` over the same fragment HTML), with its position as ``id`` and the
position of the message before it on that channel as ``prev-id`` (``TimelineItem.story_previous`` and
``site_previous``, kept by the read model, so a restarted projector still names them right). A proxy that
missed one, or that was not reached, sees the break in the chain and asks us for what its readers lack
(``web.edge.hold``); publishing therefore never retries for long nor raises.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import orjson

from projections.documents import TimelineItem
from web.edge.grip import GripProxy, channel_of
from web.embeds import Embeds
from web.fanout.hub import frame_of
from web.fragments import live_html
from web.metrics import EDGE_PUBLISHES

log = logging.getLogger("newsroom.edge")

PUBLISH_TIMEOUT_SECONDS = 2.0
MAX_REQUEST_BYTES = 900_000  # Pushpin refuses a publish body over 1,000,000 bytes


def publish_items(items: Sequence[TimelineItem], embeds: Embeds) -> list[dict[str, Any]]:
    """The EPCP items of a batch: each message on its story's channel and on the site's."""
    published = []
    for item in items:
        content = frame_of(live_html(item, embeds)).data.decode()
        for channel, previous in (
            (channel_of(item.slug), item.story_previous),
            (channel_of(None), item.site_previous),
        ):
            published.append(
                {
                    "channel": channel,
                    "id": str(item.position),
                    "prev-id": str(previous),
                    "formats": {"http-stream": {"content": content}},
                }
            )
    return published


def request_bodies(items: list[dict[str, Any]]) -> list[bytes]:
    """The items as publish request bodies, each under what a proxy takes, in order."""
    bodies: list[bytes] = []
    chunk: list[bytes] = []
    size = 0
    for item in items:
        encoded = orjson.dumps(item)
        if chunk and size + len(encoded) > MAX_REQUEST_BYTES:
            bodies.append(b'{"items":[' + b",".join(chunk) + b"]}")
            chunk, size = [], 0
        chunk.append(encoded)
        size += len(encoded) + 1
    if chunk:
        bodies.append(b'{"items":[' + b",".join(chunk) + b"]}")
    return bodies


class GripPublisher:
    """A projector's listener: every batch's messages to every proxy of ``NEWSROOM_GRIP_URL``."""

    def __init__(self, proxies: Sequence[GripProxy], embeds: Embeds) -> None:
        self._proxies = tuple(proxies)
        self._embeds = embeds

    def __call__(self, items: list[TimelineItem], previous: int | None) -> None:
        bodies = request_bodies(publish_items(items, self._embeds))
        for proxy in self._proxies:
            try:
                for body in bodies:
                    _post(proxy, body)
            except (OSError, http.client.HTTPException, PublishRefusedError) as error:
                EDGE_PUBLISHES.labels("grip", "failed").inc()
                log.warning(
                    "could not publish to %s (%s); its readers catch up when the next message shows the gap",
                    proxy.control_url,
                    error,
                )
            else:
                EDGE_PUBLISHES.labels("grip", "ok").inc()


class PublishRefusedError(Exception):
    pass


def _post(proxy: GripProxy, body: bytes) -> None:
    parts = urlsplit(proxy.control_url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.netloc, timeout=PUBLISH_TIMEOUT_SECONDS)
    try:
        connection.request("POST", f"{parts.path}/publish/", body, proxy.publish_headers())
        response = connection.getresponse()
        answer = response.read(500)
        if response.status != 200:
            raise PublishRefusedError(f"{response.status} {answer.decode(errors='replace').strip()}")
    finally:
        connection.close()
