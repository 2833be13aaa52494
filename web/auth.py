"""Staff authentication: ``Authorization: Bearer <token>`` checked against stored hashes."""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request

from newsroom import Principal
from newsroom.errors import AuthenticationError
from newsroom.staff import Permission
from web.concurrency import blocking
from web.services import services

REFUSAL_SECONDS = 0.01  # a refused token is answered no sooner than this, whatever was wrong with it


async def staff(request: Request, permission: Permission | None = None) -> Principal:
    """The signed-in staff member (401 without a valid token, 403 without ``permission``)."""
    principal = await optional_staff(request)
    if principal is None:
        raise AuthenticationError("this needs a staff token: Authorization: Bearer <token>")
    if permission is not None:
        principal.require(permission)
    return principal


async def optional_staff(request: Request) -> Principal | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("use Authorization: Bearer <token>")
    app = services(request).app
    token = token.strip()
    started = time.perf_counter()
    try:
        # Most requests are answered from memory, on the loop; the store is read (in the pool) only for a
        # member not seen or not checked lately.
        return app.known_principal(token) or await blocking(app.authenticate, token)
    except AuthenticationError:
        # Every refusal takes the same time, so how long one took does not tell whether the staff id in
        # the token exists (a known member with a wrong secret was refused twice as fast as an unknown id).
        await asyncio.sleep(REFUSAL_SECONDS - (time.perf_counter() - started))
        raise
