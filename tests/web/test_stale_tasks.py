"""Tasks a dead worker left RUNNING go back to the queue when a worker starts, and then run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.lib.stale_tasks import STALE_AFTER, requeue_stale
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import ScheduledCheckin
from tests.web.conftest import Site


def _claimed(task: DBTaskResult[..., Any], ago: timedelta) -> None:
    task.claim("a-worker-that-died")
    DBTaskResult.objects.filter(id=task.id).update(
        started_at=timezone.now() - ago, run_after=timezone.now() - ago
    )


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_a_reminder_left_running_is_requeued_and_then_sent(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        treatment, _ = make_treatment(site, make_patient(site), days_ago=0)
    mail.outbox.clear()
    first, second = ScheduledCheckin.objects.filter(treatment=treatment).order_by("due_at")[:2]
    dead = DBTaskResult.objects.get(args_kwargs__args=[first.id])
    busy = DBTaskResult.objects.get(args_kwargs__args=[second.id])
    _claimed(dead, STALE_AFTER + timedelta(minutes=1))
    _claimed(busy, timedelta(minutes=5))  # may still be running on a live worker: left alone

    assert requeue_stale() == 1
    assert DBTaskResult.objects.get(id=busy.id).status == TaskResultStatus.RUNNING
    call_command("db_worker", batch=True)

    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.SUCCESSFUL
    assert [m.to for m in mail.outbox] == [[treatment.patient.email]]
    first.refresh_from_db()
    assert first.reminded_at is not None


def test_nothing_to_requeue(db: Any) -> None:
    assert requeue_stale() == 0
