"""The order the worker runs tasks in, and when a failed send is tried again: shared by every app's tasks.

django-tasks-db picks `priority desc, run_after asc, enqueued_at asc`, and stores a task queued without
`run_after` as due in the year 9999. At one priority, every task with a concrete `run_after` that is due (a
reminder, a held or retried alert) therefore runs before a task queued "now". Priority is the first key, so
a staff alert queued at a higher priority runs before any reminder, recall e-mail or report, whatever their
`run_after`; an emergency goes before an urgent check-in, and the registry report (minutes of work) last.

Retry times are set and judged by the database's clock (`lib.dbclock`), like the heartbeats: set by one
worker's clock and compared with another's, a retry ran as early or as late as their clocks differ (a worker
whose clock ran ten minutes behind queued its retries already due).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Field, Q
from django.db.models.functions import Now
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet, get_date_max

from mesosafe.lib.dbclock import db_now

EMERGENCY_ALERT = 50
URGENT_ALERT = 40
RECALL_EMAIL = 0
REMINDER = 0
REGISTRY_REPORT = -50

# A failed send is tried again after 1 min, 2, 4 … and then every 30 min.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(minutes=30)


def retry_delay(failures: int) -> timedelta:
    """How long after its `failures`-th failure (1, 2, …) a send is tried again: 1 min doubling to 30."""
    delay: timedelta = min(FIRST_RETRY * 2 ** min(failures - 1, 16), LONGEST_RETRY)
    return delay


def retry_at(failures: int) -> datetime:
    """When a send that failed for the `failures`-th time is tried again, by the database's clock."""
    return db_now() + retry_delay(failures)


def _ready_by_database_clock(self: DBTaskResultQuerySet) -> DBTaskResultQuerySet:
    """django-tasks-db's `ready()` with `run_after` compared with the database's now, not the worker's."""
    due = Q(run_after=get_date_max()) | Q(run_after__lte=Now())
    return self.filter(status=TaskResultStatus.READY).filter(due)


def _claim_by_database_clock(self: DBTaskResult[..., Any], worker_id: str) -> None:
    """django-tasks-db's `claim()` with `started_at` by the database's clock, not the worker's: a task of a
    worker without beats is judged abandoned by it (`workers.stale`), and an alert's failed attempts are
    dated by it (`checkins.alerts`), both against times on the database's clock."""
    self.status = TaskResultStatus.RUNNING
    self.started_at = db_now()
    self.worker_ids = [*self.worker_ids, worker_id]
    self.save(update_fields=["status", "started_at", "worker_ids"])


def _enqueued_by_database_clock(field: Field[Any, Any]) -> None:
    """Stamp a new task waiting "now" (`run_after` unset) with the database's time as its `enqueued_at`,
    which orders such tasks of one priority: by the enqueuing process's clock, a web server ten minutes
    behind put its alerts ahead of others queued minutes before them. A task with a `run_after` is ordered
    by that (set by the database's clock for retries and held alerts) and keeps its process's time, without
    the extra query."""
    auto_now_add = field.pre_save

    def pre_save(instance: DBTaskResult[..., Any], add: bool) -> datetime:
        if add and instance.run_after in (None, get_date_max()):
            now = db_now()
            setattr(instance, field.attname, now)
            return now
        stamped: datetime = auto_now_add(instance, add)
        return stamped

    field.pre_save = pre_save  # type: ignore[method-assign, assignment]


def claim_by_database_clock() -> None:
    """Make every worker's claim query judge `run_after`, its claim stamp `started_at` and an enqueue of a
    task waiting "now" stamp `enqueued_at` by the database's clock (called at start-up)."""
    DBTaskResultQuerySet.ready = _ready_by_database_clock  # type: ignore[method-assign]
    DBTaskResult.claim = _claim_by_database_clock  # type: ignore[method-assign]
    enqueued_at = DBTaskResult._meta.get_field("enqueued_at")
    assert isinstance(enqueued_at, Field)
    _enqueued_by_database_clock(enqueued_at)
