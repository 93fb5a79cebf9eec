"""Tasks a dead worker left RUNNING. django-tasks-db marks a task RUNNING when a worker claims it and never
looks at it again, so a worker killed mid-task would lose that reminder or notification for good. When a
worker starts, tasks that have been RUNNING far longer than any of ours takes go back to the queue.

Re-running is safe for our tasks: a reminder is sent once (`reminded_at`), a registry report is rebuilt,
and a repeated staff notification is better than a missing one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

# Our longest task (a registry report over a large clinic database) takes minutes; an hour is far beyond it.
STALE_AFTER = timedelta(hours=1)


def requeue_stale(now: datetime | None = None) -> int:
    """Put tasks RUNNING for longer than STALE_AFTER back to READY; returns how many."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    return stale.update(status=TaskResultStatus.READY, started_at=None)
