"""Garbage-collector settings for a web process that holds thousands of open streams.

Every open stream keeps objects alive for hours (its task, request, buffer). Under Python's default thresholds
the collector kept promoting short-lived ones (a reader's wait between two messages outlives many young
collections) into the oldest generation, and then re-scanned everything there: full collections of 100-260
ms at 5,000 readers that freed nothing, and each one the delay of every delivery behind it (measured with
gc.callbacks during bench/fanout.py). Objects left over from startup are frozen out of scans; young
collections run ten times less often, so a reader's per-message objects mostly die before they are promoted.
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_EVERY = 50_000  # allocations (Python's default: 700)
MIDDLE_EVERY = 20  # young collections per middle one (default 10)
FULL_EVERY = 100  # middle collections per full one, at the most (default 10)


def tune_for_streams() -> None:
    gc.collect()  # garbage is freed first, not frozen
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, MIDDLE_EVERY, FULL_EVERY)
