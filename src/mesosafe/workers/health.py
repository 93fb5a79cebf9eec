"""Is any background worker running? Without one, check-in reminders and the staff's alerts about urgent
and emergency check-ins silently stop, so the clinic pages and a monitoring endpoint say so."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max

from mesosafe.lib.dbclock import db_now
from mesosafe.workers.models import Heartbeat

BEAT_EVERY = timedelta(seconds=30)
# A worker silent for four beats is gone (a database outage that long stops its tasks too).
DEAD_AFTER = 4 * BEAT_EVERY


def last_beat() -> datetime | None:
    """When any worker last said it was alive; None if none ever did."""
    seen: datetime | None = Heartbeat.objects.aggregate(seen=Max("seen_at"))["seen"]
    return seen


def worker_alive(seen: datetime | None, now: datetime | None = None) -> bool:
    """Whether a worker last seen at `seen` counts as running at `now`."""
    return seen is not None and seen >= (now or db_now()) - DEAD_AFTER  # the clock the beats are stamped by
