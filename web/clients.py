"""Who a client is: the address a request came from, as far as it can be believed.

uvicorn resolves it (``newsroom serve`` passes NEWSROOM_TRUSTED_PROXIES to it): the socket's peer, or, when
that peer is a trusted proxy, the right-most address in X-Forwarded-For that is not itself a trusted proxy.
A client cannot choose its identity by sending the header itself, and readers behind one proxy are not all
one client. Comment rate limits and the per-client stream cap key on it.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection


def client_id(connection: HTTPConnection) -> str:
    client = connection.client
    return client.host if client else "unknown"
