"""What the web app holds while it runs: built by the lifespan, reached by handlers through the request."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from newsroom import Newsroom
from newsroom.treehead import TreeSigner
from projections.registry import ReadModels
from web.commits import LoopCommits
from web.embeds import Embeds
from web.fanout.hub import Hub
from web.presence import Presence
from web.ratelimit import RateLimiter
from web.settings import Settings
from web.stream_slots import StreamSlots
from web.tree_heads import TreeHeads


@dataclass
class Services:
    settings: Settings
    app: Newsroom
    commits: LoopCommits
    read_models: ReadModels
    comment_limiter: RateLimiter
    report_limiter: RateLimiter
    hub: Hub
    stream_slots: StreamSlots
    tree_heads: TreeHeads
    signer: TreeSigner | None
    embeds: Embeds
    presence: Presence
    site_key: bytes  # signs preview links and comment forms; keys readers' pseudonyms (web/clients.py)


def services(request: Request) -> Services:
    found: Services = request.state.services
    return found
