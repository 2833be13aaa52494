"""Redis clients from ``NEWSROOM_REDIS_URL``: one server (``redis://``, ``rediss://``, ``unix://``), or a
Redis Cluster (``redis+cluster://HOST:PORT[,HOST:PORT...]``, ``rediss+cluster://`` for TLS), whose
nodes are found from any of the seeds given. Nothing here connects until used.

On a cluster every key the web processes use is one key per operation (a story's presence, one
client's rate limit), so each lands in one slot; the live timeline is one sharded channel (SPUBLISH and
SSUBSCRIBE: published within its shard, not copied to every node as PUBLISH is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode as AsyncClusterNode
from redis.asyncio.cluster import RedisCluster
from redis.cluster import ClusterNode
from redis.cluster import RedisCluster as SyncRedisCluster

from newsroom.errors import ValidationError

SCHEMES = ("redis", "rediss", "unix", "redis+cluster", "rediss+cluster")
SETTING = "NEWSROOM_REDIS_URL"
CLIENT_SECONDS = 2.0  # a command that waits longer has a server that is down


@dataclass(frozen=True)
class ClusterAddress:
    nodes: tuple[tuple[str, int], ...]
    username: str | None
    password: str | None
    tls: bool


def cluster_address(url: str) -> ClusterAddress | None:
    """The seeds and credentials of a cluster URL; None for one server's URL. Raises ValidationError
    naming the setting when it is malformed."""
    scheme, _, rest = url.partition("://")
    if scheme not in SCHEMES:
        raise ValidationError(SETTING, f"must start with {', '.join(name + '://' for name in SCHEMES)}")
    if not scheme.endswith("+cluster"):
        return None
    credentials, at, hosts = rest.split("/", 1)[0].rpartition("@")
    nodes = []
    for node in hosts.split(","):
        parts = urlsplit(f"//{node.strip()}")
        try:
            port = parts.port or 6379
        except ValueError:
            port = -1
        if not parts.hostname or port < 1:
            raise ValidationError(
                SETTING, f"a cluster URL lists HOST:PORT seeds, comma-separated, not {node!r}"
            )
        nodes.append((parts.hostname, port))
    username, _, password = credentials.partition(":") if at else ("", "", "")
    return ClusterAddress(
        tuple(nodes),
        unquote(username) or None,
        unquote(password) or None,
        scheme.startswith("rediss"),
    )


def async_client(url: str) -> Redis | RedisCluster:
    """The web process's client for presence and rate limits."""
    address = cluster_address(url)
    if address is None:
        return Redis.from_url(url, health_check_interval=10, socket_keepalive=True)
    return RedisCluster(
        startup_nodes=[AsyncClusterNode(host, port) for host, port in address.nodes],
        **_cluster_options(address),
    )


def sync_client(url: str) -> redis.Redis | SyncRedisCluster:
    """A projector's client for publishing, from its thread."""
    address = cluster_address(url)
    if address is None:
        return redis.Redis.from_url(url, socket_timeout=CLIENT_SECONDS, socket_connect_timeout=CLIENT_SECONDS)
    nodes = [ClusterNode(host, port) for host, port in address.nodes]  # type: ignore[no-untyped-call]
    return SyncRedisCluster(startup_nodes=nodes, **_cluster_options(address))


def _cluster_options(address: ClusterAddress) -> dict[str, Any]:
    """What both cluster clients are given: the seeds' credentials, and short timeouts with one retry, so
    that a node that stops answering is left quickly."""
    return {
        "username": address.username,
        "password": address.password,
        "ssl": address.tls,
        "socket_timeout": CLIENT_SECONDS,
        "socket_connect_timeout": CLIENT_SECONDS,
        "cluster_error_retry_attempts": 1,
    }
