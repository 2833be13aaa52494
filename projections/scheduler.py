"""Releases what was scheduled when its time comes: a story's publication (an embargo's end too), and
updates set for later.

Nothing scheduled reaches readers before its time because nothing about it is in their read models until
the release is an event of its own (``Published``, ``UpdateReleased``), which the scheduler records at the
due moment, as the scheduler (``staff:scheduler``). Then everything readers see follows the event, as any
other: pages, feeds, search, live streams. It runs beside the projector, where there is exactly one per
store (``projections.projector.run_projector``), and reads what is due from the front page's schedule rows,
so it picks up after a restart what fell due while it was down.
"""

from __future__ import annotations

import logging
import threading
import time
from uuid import UUID

from newsroom import Newsroom
from newsroom.commands import ReleaseDue, command
from newsroom.errors import ArticleNotFoundError, NothingChangedError
from newsroom.staff import Principal, Role
from projections.registry import ReadModels

log = logging.getLogger("newsroom.scheduler")

SCHEDULER = Principal(id=UUID(int=1), name="scheduler", role=Role.EDITOR)
LOOK_AGAIN_SECONDS = 0.5  # how often the schedule is read for anything newly scheduled


def now_us() -> int:
    return time.time_ns() // 1000


class Scheduler:
    def __init__(self, app: Newsroom, read_models: ReadModels) -> None:
        self.app = app
        self.read_models = read_models
        self.released = 0

    def release_due(self, moment_us: int | None = None) -> int:
        """Releases everything due at ``moment_us`` (now); how many stories had something released."""
        released = 0
        for slug in self.read_models.due(moment_us if moment_us is not None else now_us()):
            try:
                self.app.execute(command(ReleaseDue(), slug, by=SCHEDULER))
            except (NothingChangedError, ArticleNotFoundError):
                continue  # released already (the schedule rows are read models, a moment behind)
            released += 1
        self.released += released
        return released

    def run(self, stop: threading.Event) -> None:
        """Until ``stop``: sleeps until the next thing is due (looking again every LOOK_AGAIN_SECONDS for
        what was scheduled meanwhile), then releases it. A store that fails is tried again."""
        while not stop.is_set():
            try:
                self.release_due()
                due = self.read_models.next_due_us()
            except Exception:  # the projector's loop copes with a lost store; so does this
                log.exception("the scheduler could not read or release; trying again")
                stop.wait(1.0)
                continue
            wait = LOOK_AGAIN_SECONDS if due is None else min(LOOK_AGAIN_SECONDS, (due - now_us()) / 1e6)
            if wait > 0:
                stop.wait(wait)
