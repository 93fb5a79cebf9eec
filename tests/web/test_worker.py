"""The database task backend and `db_worker`: reminders go out when due, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mesosafe.jobs.models import Job
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import ScheduledCheckin
from mesosafe.treatments.tasks import send_checkin_reminder
from tests.web.conftest import Site


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
    Job.objects.filter(args=[first.id]).update(run_after=timezone.now() - timedelta(seconds=1))

    call_command("db_worker", batch=True)

    [message] = mail.outbox
    assert message.to == [treatment.patient.email] and token not in message.body
    first.refresh_from_db()
    assert first.reminded_at is not None
    assert Job.objects.filter(status=Job.Status.SUCCESSFUL).count() == 1
    assert Job.objects.filter(status=Job.Status.READY).count() == ScheduledCheckin.objects.count() - 1


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


def test_failing_task_is_recorded_and_the_worker_goes_on(db: Any) -> None:
    job = Job.objects.create(task_path="mesosafe.treatments.tasks.send_checkin_reminder", args=["not-an-id"])
    call_command("db_worker", batch=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error


def test_jobs_left_running_by_a_dead_worker_run_again(db: Any) -> None:
    stale = Job.objects.create(
        task_path="mesosafe.treatments.tasks.send_checkin_reminder",
        args=[10**9],
        status=Job.Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
        worker_id="dead",
    )
    busy = Job.objects.create(
        task_path="mesosafe.treatments.tasks.send_checkin_reminder",
        args=[10**9],
        status=Job.Status.RUNNING,
        started_at=timezone.now(),
        worker_id="alive",
    )
    call_command("db_worker", batch=True)
    stale.refresh_from_db()
    busy.refresh_from_db()
    assert stale.status == Job.Status.SUCCESSFUL and busy.status == Job.Status.RUNNING
