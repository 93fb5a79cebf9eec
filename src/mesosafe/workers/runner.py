"""`mesosafe worker`'s loop around django-tasks-db's worker: a database outage (a restart, a failover, a
cut connection) is logged and ridden out with backoff, where django-tasks-db's worker exited and reminders
and staff alerts stopped until a person restarted it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, connections

from mesosafe.lib import dbdown
from mesosafe.workers.stale import requeue_of

log = logging.getLogger(__name__)

FIRST_WAIT_S = 0.5
LONGEST_WAIT_S = 30.0

T = TypeVar("T")


def ride_out(step: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
    """Run `step` until it finishes without losing the database, waiting 0.5 s, 1 s, 2 s … up to 30 s
    between attempts; a step that ran longer than the longest wait starts the waits afresh."""
    wait = FIRST_WAIT_S
    while True:
        started = time.monotonic()
        try:
            return step()
        except DatabaseError as exc:
            if not dbdown.unreachable(exc):
                raise
            if time.monotonic() - started > LONGEST_WAIT_S:
                wait = FIRST_WAIT_S
            log.warning("database unavailable (%s); worker retrying in %.1f s", type(exc).__name__, wait)
            connections.close_all()
            sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT_S)


def requeue_own(worker_id: str) -> int:
    """Put back to READY the tasks `worker_id` left RUNNING when the database went away under it (its
    heartbeat goes on, so the stale-task sweep would never take them back); how many."""
    return requeue_of({worker_id})
