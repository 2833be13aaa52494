"""Starting several processes against one new database at once.

The library creates its tables (and types and functions on PostgreSQL) when an application starts. Two
processes doing that at the same moment can collide in PostgreSQL's catalog ("tuple concurrently updated",
or a duplicate type name), although each statement says IF NOT EXISTS. Creating them is idempotent, so the
loser simply tries again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError, InternalError, ProgrammingError

T = TypeVar("T")

ATTEMPTS = 6


def retry_catalog_races(create: Callable[[], T]) -> T:
    for attempt in range(ATTEMPTS):
        try:
            return create()
        except (InternalError, IntegrityError, ProgrammingError):
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))  # noqa: S311
    raise AssertionError("unreachable")
