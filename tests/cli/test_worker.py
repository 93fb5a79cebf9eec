"""The database task backend (django-tasks-db) and `db_worker`: reminders go out when due, once."""

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

from mesosafe.patients.models import Patient
from mesosafe.treatments.models import ScheduledCheckin
from mesosafe.treatments.tasks import send_checkin_reminder
from tests.service_fixtures import Site


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_worker_runs_due_reminders_only(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        treatment, token = make_treatment(site, make_patient(site), days_ago=0)
    mail.outbox.clear()
    first = ScheduledCheckin.objects.filter(treatment=treatment).order_by("due_at").first()
    assert first is not None
    due = DBTaskResult.objects.filter(args_kwargs__args=[first.id])
    assert due.update(run_after=timezone.now() - timedelta(seconds=1)) == 1

    call_command("db_worker", batch=True)

    [message] = mail.outbox
    assert message.to == [treatment.patient.email] and token not in message.body
    first.refresh_from_db()
    assert first.reminded_at is not None
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 1
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
    assert ready == ScheduledCheckin.objects.count() - 1


def test_reminder_is_sent_once_and_not_after_revocation(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=0)
    scheduled = ScheduledCheckin.objects.filter(treatment=treatment).first()
    assert scheduled is not None
    assert send_checkin_reminder.call(scheduled.id) is True
    assert send_checkin_reminder.call(scheduled.id) is False
    later = ScheduledCheckin.objects.filter(treatment=treatment).last()
    assert later is not None
    treatment.link.revoked_at = timezone.now()
    treatment.link.save()
    assert send_checkin_reminder.call(later.id) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_failing_task_is_recorded_and_the_worker_goes_on(db: Any) -> None:
    failing = send_checkin_reminder.enqueue("not-an-id")
    succeeding = send_checkin_reminder.enqueue(10**9)  # no such scheduled check-in: nothing to send
    call_command("db_worker", batch=True)
    assert DBTaskResult.objects.get(pk=failing.id).status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.get(pk=succeeding.id).status == TaskResultStatus.SUCCESSFUL
