"""A database task backend for the Django tasks framework (django-tasks 0.12 moved its own into a separate
package, django-tasks-db). Enqueue stores a row; `mesosafe worker` (`manage db_worker`) runs due rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.signals import task_enqueued

from mesosafe.jobs.models import Job

T = TypeVar("T")


def _result(job: Job, task: Task[Any, Any], alias: str) -> TaskResult[Any]:
    result: TaskResult[Any] = TaskResult(
        task=task,
        id=str(job.id),
        status=TaskResultStatus[job.status],
        enqueued_at=job.enqueued_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        last_attempted_at=job.started_at,
        args=list(job.args),
        kwargs=dict(job.kwargs),
        backend=alias,
        errors=[TaskError(exception_class_path="builtins.Exception", traceback=job.error)]
        if job.error
        else [],
        worker_ids=[job.worker_id] if job.worker_id else [],
    )
    object.__setattr__(result, "_return_value", job.return_value)
    return result


class DatabaseBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True
    supports_priority = True

    def enqueue(self, task: Task[Any, T], args: Any, kwargs: Any) -> TaskResult[T]:
        self.validate_task(task)
        job = Job.objects.create(
            task_path=task.module_path,
            args=list(args),
            kwargs=dict(kwargs),
            queue_name=task.queue_name,
            priority=task.priority,
            run_after=task.run_after,
        )
        result = _result(job, task, self.alias)
        transaction.on_commit(lambda: task_enqueued.send(type(self), task_result=result))
        return result

    def get_result(self, result_id: str) -> TaskResult[Any]:
        try:
            job = Job.objects.get(id=result_id)
        except (Job.DoesNotExist, ValueError, Exception) as exc:
            raise TaskResultDoesNotExist(result_id) from exc
        task = import_string(job.task_path)
        return _result(job, task, self.alias)


def claim(worker_id: str, queues: list[str]) -> Job | None:
    """Mark the next due job RUNNING for this worker, or return None. Safe with several workers."""
    now = timezone.now()
    due = (
        Job.objects.filter(status=Job.Status.READY, queue_name__in=queues)
        .exclude(run_after__gt=now)
        .order_by("-priority", "run_after", "enqueued_at")
    )
    with transaction.atomic():
        job = due.select_for_update(skip_locked=True).first()
        if job is None:
            return None
        # The status guard makes the claim safe where SELECT FOR UPDATE is a no-op (SQLite).
        taken = Job.objects.filter(id=job.id, status=Job.Status.READY).update(
            status=Job.Status.RUNNING, started_at=now, worker_id=worker_id
        )
    return job if taken else None


def requeue_stale(older_than: timedelta = timedelta(minutes=10)) -> int:
    """Jobs left RUNNING by a worker that died go back to READY (tasks here are safe to run again)."""
    cutoff = timezone.now() - older_than
    return Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=cutoff).update(
        status=Job.Status.READY, worker_id=""
    )


def run(job: Job) -> None:
    try:
        task = import_string(job.task_path)
        value = task.call(*job.args, **job.kwargs)
    except Exception as exc:  # a failing task is recorded, the worker goes on
        Job.objects.filter(id=job.id).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"
        )
    else:
        Job.objects.filter(id=job.id).update(
            status=Job.Status.SUCCESSFUL, finished_at=timezone.now(), return_value=value
        )
