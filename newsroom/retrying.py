"""Saving again after another writer saved first: the one way every write of the application retries.

A save the store refuses (``IntegrityError``: the aggregate moved on since it was read) is tried again on a
fresh read. The first retry goes at once (a stale cached copy is the usual cause); later ones back off with
jitter, so that writers in two processes do not collide in lock step. After ``RETRY_SECONDS`` the aggregate
is too busy and the caller is told so (a ``ContentionError``, 409 for the web).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

from newsroom.errors import ContentionError

T = TypeVar("T")

# Within a web process one article's commands take turns, so a conflict is with another process, which may
# have a queue of its own: keep trying, with a short jittered pause, for a while.
RETRY_SECONDS = 3.0
BACKOFF_SECONDS = 0.0005
BACKOFF_MAX_SECONDS = 0.005


def until_saved(
    attempt: Callable[[], T],
    busy: Callable[[], ContentionError],
    after_conflict: Callable[[], T | None] = lambda: None,
) -> T:
    """``attempt()`` until it saves without ``IntegrityError``. ``after_conflict()`` runs after each refused
    save and may answer instead (the stored answer to the same request, made by another try of it)."""
    give_up = time.monotonic() + RETRY_SECONDS
    tries = 0
    while tries == 0 or time.monotonic() < give_up:
        tries += 1
        try:
            return attempt()
        except IntegrityError:
            if (answer := after_conflict()) is not None:
                return answer
            if tries > 1:
                pause = min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2 ** min(tries, 8))
                time.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not a secret
    raise busy()
