"""Who a client is: the address a request came from, as far as it can be believed.

uvicorn resolves it (``newsroom serve`` passes NEWSROOM_TRUSTED_PROXIES to it): the socket's peer, or, when
that peer is a trusted proxy, the right-most address in X-Forwarded-For that is not itself a trusted proxy.
A client cannot choose its identity by sending the header itself, and readers behind one proxy are not all
one client. The per-client stream cap keys on it; what is recorded or shared between processes
(comments, bans, rate limits) keys on its ``pseudonym``.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import HTTPConnection

from newsroom.rules import PSEUDONYM_LENGTH


def client_id(connection: HTTPConnection) -> str:
    client = connection.client
    return client.host if client else "unknown"


def pseudonym(site_key: bytes, connection: HTTPConnection) -> str:
    """A reader's client as the newsroom records it (with a comment, in a ban, in rate limits): an HMAC of
    its address under the site's key, so the address itself is stored nowhere and cannot be guessed back
    from the record without the key. Stable for one address, so moderators can ban by it."""
    digest = hmac.new(site_key, f"client\n{client_id(connection)}".encode(), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_LENGTH]
