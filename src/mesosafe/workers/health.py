"""Is any background worker running? Without one, check-in reminders and the staff's alerts about urgent
and emergency check-ins silently stop, so the clinic pages and a monitoring endpoint say so."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from mesosafe.workers.models import Heartbeat
from mesosafe.workers.stale import DEAD_AFTER


def last_beat() -> datetime | None:
    """When any worker last said it was alive; None if none ever did."""
    seen: datetime | None = Heartbeat.objects.aggregate(seen=Max("seen_at"))["seen"]
    return seen


def worker_alive(seen: datetime | None, now: datetime | None = None) -> bool:
    return seen is not None and seen >= (now or timezone.now()) - DEAD_AFTER
