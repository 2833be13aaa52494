"""A one-line progress bar on stderr (no dependency; redraws at most ten times a second)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, label: str, width: int = 30) -> None:
        self._label = label
        self._width = width
        self._started = time.perf_counter()
        self._drawn = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._drawn < 0.1 and done < total:
            return
        self._drawn = now
        fraction = min(1.0, done / total) if total else 1.0
        filled = int(fraction * self._width)
        rate = done / (now - self._started) if now > self._started else 0.0
        sys.stderr.write(
            f"\r{self._label:14} [{'#' * filled}{'.' * (self._width - filled)}] {fraction:6.1%} "
            f"{done:,}/{total:,} {rate:,.0f} events/s"
        )
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\n")
