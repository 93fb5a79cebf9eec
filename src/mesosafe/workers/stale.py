"""Tasks a dead worker left RUNNING. django-tasks-db marks a task RUNNING when a worker claims it and never
looks at it again, so a worker killed mid-task would lose that reminder or notification for good.

Every `mesosafe worker` beats (`workers.heartbeat`) and, on each beat, puts back in the queue the tasks
whose worker has stopped beating. A task of a worker that never beat (one started by plain `db_worker`)
goes back only once it has run for longer than any of ours takes. A live worker's task is never taken
from it, however long it runs.

Re-running is safe for our tasks: a reminder is sent once (`reminded_at`), a registry report is rebuilt,
and a repeated staff notification is better than a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.lib.dbclock import db_now
from mesosafe.workers.health import worker_alive
from mesosafe.workers.models import Heartbeat

# Our longest task (a registry report over a large clinic database) takes minutes; an hour is far beyond it.
STALE_AFTER = timedelta(hours=1)


def requeue_stale(now: datetime | None = None) -> int:
    """Put back to READY the RUNNING tasks whose worker is dead; returns how many."""
    now = now or db_now()
    beats = dict(Heartbeat.objects.values_list("worker_id", "seen_at"))
    stale = [
        task.id
        for task in DBTaskResult.objects.running().only("id", "worker_ids", "started_at")
        if _abandoned(task, beats, now)
    ]
    # Only tasks still RUNNING: one that finished meanwhile is left as it is.
    return (
        DBTaskResult.objects.running()
        .filter(id__in=stale)
        .update(status=TaskResultStatus.READY, started_at=None)
    )


def requeue_of(worker_ids: set[str]) -> int:
    """Put back to READY the RUNNING tasks last claimed by one of `worker_ids`; how many."""
    running = DBTaskResult.objects.running().only("id", "worker_ids")
    theirs = [task.id for task in running if task.worker_ids and task.worker_ids[-1] in worker_ids]
    # Only tasks still RUNNING: one that finished meanwhile is left as it is.
    return (
        DBTaskResult.objects.running()
        .filter(id__in=theirs)
        .update(status=TaskResultStatus.READY, started_at=None)
    )


def requeue_predecessors(worker_id: str, pid_space: str, process_alive: Callable[[int], bool]) -> int:
    """At a worker's start: the tasks of earlier workers in this process table (`pid_space`) whose process
    is gone go back to the queue now (not two minutes later, when their beats would count as stopped); their
    rows go. A worker elsewhere (another machine, or another container with the same host name and its own
    pid 1) is never judged by a pid of this table. Without a known table, nothing is taken back."""
    if not pid_space:
        return 0
    gone = {
        beat.worker_id
        for beat in Heartbeat.objects.filter(pid_space=pid_space).exclude(worker_id=worker_id)
        if beat.pid is None or not process_alive(beat.pid)
    }
    if not gone:
        return 0
    requeued = requeue_of(gone)
    Heartbeat.objects.filter(worker_id__in=gone).delete()
    return requeued


def _abandoned(task: DBTaskResult[..., Any], beats: dict[str, datetime], now: datetime) -> bool:
    worker = task.worker_ids[-1] if task.worker_ids else None
    if worker in beats:
        return not worker_alive(beats[worker], now)
    return task.started_at is None or task.started_at < now - STALE_AFTER
