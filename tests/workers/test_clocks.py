"""Retry times on the database's clock. A failed send's retry time was the sending worker's clock plus the
delay, and the claim query compared `run_after` with the claiming worker's clock: a worker whose clock ran
ten minutes behind queued its retries already due (and ran them again at once, in a loop), and one whose
clock ran ahead claimed a retry minutes early. Both now use the database's clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.alerts import LATE, failing_alerts, late_alerts
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import submit
from mesosafe.checkins.tasks import alert_tasks, notify_escalation
from mesosafe.lib.dbclock import db_now
from mesosafe.lib.queueing import FIRST_RETRY
from mesosafe.patients.models import Patient
from mesosafe.treatments.tasks import queue_reminders, send_checkin_reminder
from mesosafe.workers.stale import STALE_AFTER, requeue_stale
from tests.service_fixtures import Site

URGENT = {"symptoms": [{"code": "fever"}]}
SKEW = timedelta(minutes=10)


@pytest.fixture
def worker_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[timedelta], None]]:
    """Set this process's clock (Django's `timezone.now`) off by the given skew; the database's stays."""
    real = timezone.now

    def skew(by: timedelta) -> None:
        monkeypatch.setattr(timezone, "now", lambda: real() + by)

    yield skew


def _run_alerts() -> None:
    DBTaskResult.objects.exclude(id__in=alert_tasks().values("id")).delete()  # reminders
    call_command("db_worker", batch=True, verbosity=0)


def _refused(*args: Any, **kwargs: Any) -> int:
    raise ConnectionRefusedError("the mail server is down")


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_a_worker_whose_clock_is_behind_queues_its_retry_by_the_databases_clock(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    submit(treatment.link, URGENT, "late-clock")
    worker_clock(-SKEW)
    monkeypatch.setattr("mesosafe.checkins.tasks.send_mail", _refused)
    before = db_now()
    _run_alerts()
    assert alert_tasks(TaskResultStatus.FAILED).count() == 1  # tried once, not again at once
    [retry] = alert_tasks(TaskResultStatus.READY)
    assert retry.run_after >= before + FIRST_RETRY


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_clock_is_ahead_does_not_claim_a_retry_before_its_time(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
) -> None:
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored, _ = submit(treatment.link, URGENT, "early-clock")
    DBTaskResult.objects.all().delete()
    retry_time: datetime = db_now() + FIRST_RETRY
    retry = notify_escalation.using(run_after=retry_time).enqueue(stored.id)
    worker_clock(SKEW)
    _run_alerts()
    assert DBTaskResult.objects.get(id=retry.id).status == TaskResultStatus.READY and not mail.outbox
    DBTaskResult.objects.filter(id=retry.id).update(run_after=db_now() - timedelta(seconds=1))
    _run_alerts()  # its time has come by the database's clock
    assert DBTaskResult.objects.get(id=retry.id).status == TaskResultStatus.SUCCESSFUL and mail.outbox


@pytest.mark.django_db(transaction=True)
def test_a_web_server_whose_clock_is_ahead_does_not_hold_an_alert_behind_a_later_retry(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
) -> None:
    """The check-in store judged whether a task of the treatment waits to start now by the web server's
    clock (`submitted_at`): ten minutes ahead, it took a retry due in four minutes (by the database's clock)
    for one waiting now, queued no alert, and the new check-in's alert waited for the retry."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    first, _ = submit(treatment.link, URGENT, "before-the-retry")
    alert_tasks().update(status=TaskResultStatus.FAILED)  # its send failed and queued a retry
    retry = notify_escalation.using(run_after=db_now() + 4 * FIRST_RETRY).enqueue(first.id)
    worker_clock(SKEW)  # the web server's
    second, _ = submit(treatment.link, URGENT, "ahead-clock")
    assert alert_tasks(TaskResultStatus.READY).exclude(id=retry.id).count() == 1  # due now
    worker_clock(timedelta(0))
    _run_alerts()
    [sent] = mail.outbox
    assert f"#{second.id}" in sent.body and f"#{first.id}" in sent.body
    assert DBTaskResult.objects.get(id=retry.id).status == TaskResultStatus.READY  # finds nothing to send


@pytest.mark.django_db(transaction=True)
def test_a_web_server_whose_clock_is_behind_does_not_queue_a_second_alert_beside_a_due_one(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
) -> None:
    """Ten minutes behind, the store took a task due a minute ago for one held for later and queued
    another beside it (one waits per treatment: it alerts every check-in of the treatment)."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    first, _ = submit(treatment.link, URGENT, "before-the-retry")
    alert_tasks().update(status=TaskResultStatus.FAILED)
    retry = notify_escalation.using(run_after=db_now() - timedelta(minutes=1)).enqueue(first.id)
    worker_clock(-SKEW)
    submit(treatment.link, URGENT, "behind-clock")
    assert [str(t) for t in alert_tasks(TaskResultStatus.READY).values_list("id", flat=True)] == [retry.id]


@pytest.mark.django_db(transaction=True)
def test_a_failed_alert_claimed_by_a_worker_whose_clock_is_behind_counts_as_failing_at_once(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A claim's `started_at` was the worker's clock: ten minutes behind, the failed attempt to send a
    check-in's alert seemed to start before the check-in was stored, and the clinic pages said nothing of
    the failing alert until it was late (ten minutes past its window)."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    submit(treatment.link, URGENT, "claimed-behind")
    worker_clock(-SKEW)
    monkeypatch.setattr("mesosafe.checkins.tasks.send_mail", _refused)
    _run_alerts()
    worker_clock(timedelta(0))
    failing = failing_alerts(site.clinic)
    assert failing is not None and failing.count == 1 and failing.last is not None


@pytest.mark.django_db
def test_a_task_of_a_worker_without_beats_whose_clock_is_behind_is_not_taken_back_early(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
) -> None:
    """A task claimed by a worker that never beat (plain `db_worker`) goes back after STALE_AFTER from its
    claim: dated by a worker clock ten minutes behind, it went back ten minutes early, while it ran."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    submit(treatment.link, URGENT, "claimed-without-beats")
    [task] = alert_tasks()
    claimed_at = db_now()
    worker_clock(-SKEW)
    task.claim("plain-db-worker")
    assert requeue_stale(claimed_at + STALE_AFTER - SKEW / 2) == 0
    assert requeue_stale(claimed_at + STALE_AFTER + SKEW / 2) == 1


@pytest.mark.django_db
def test_a_web_server_whose_clock_is_ahead_queues_a_reminder_due_in_minutes(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
) -> None:
    """Recording a treatment queues the reminders still to come, judged by the web server's clock: ten
    minutes ahead, a reminder due in five minutes (by the database's clock, which claims it) was taken for
    one past, and nothing ever sent it."""
    treatment, _ = make_treatment(site, make_patient(site), days_ago=3)
    scheduled = treatment.schedule.first()
    assert scheduled is not None
    DBTaskResult.objects.all().delete()
    scheduled.due_at = db_now() + SKEW / 2
    scheduled.save(update_fields=["due_at"])
    worker_clock(SKEW)  # the web server's
    queue_reminders([scheduled])
    [reminder] = DBTaskResult.objects.filter(task_path=send_checkin_reminder.module_path)
    assert reminder.run_after == scheduled.due_at and reminder.args_kwargs["args"] == [scheduled.id]


@pytest.mark.django_db(transaction=True)
def test_a_checkin_stored_by_a_web_server_whose_clock_is_behind_is_not_late_before_its_time(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
) -> None:
    """`submitted_at` was the storing web server's clock: ten minutes behind, its urgent check-in counted as
    an alert late (`/healthz/worker` 503, the clinic's banner) a minute after its grouping window, not ten."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored_at = db_now()
    worker_clock(-SKEW)  # the web server's
    checkin, _ = submit(treatment.link, URGENT, "stored-behind")
    worker_clock(timedelta(0))
    assert checkin.submitted_at >= stored_at
    assert CheckIn.objects.get(id=checkin.id).submitted_at == checkin.submitted_at
    window_ended = stored_at + timedelta(seconds=settings.MESOSAFE_ALERT_GROUP_S)
    assert late_alerts(window_ended + timedelta(minutes=1)) == 0
    assert failing_alerts(site.clinic, window_ended + timedelta(minutes=1)) is None
    assert late_alerts(window_ended + LATE + timedelta(minutes=1)) == 1
    assert late_alerts() == 0  # now, by the database's clock


@pytest.mark.django_db(transaction=True)
def test_an_alert_queued_by_a_web_server_whose_clock_is_behind_waits_behind_earlier_ones(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    worker_clock: Callable[[timedelta], None],
) -> None:
    """Tasks of one priority waiting "now" run in `enqueued_at` order, which was the enqueuing server's
    clock: ten minutes behind, a web server's alerts went ahead of others queued before them. Both ways of
    queueing an alert: with the check-in (one statement on PostgreSQL) and through the task backend."""
    first_treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    later_treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    DBTaskResult.objects.all().delete()
    first, _ = submit(first_treatment.link, URGENT, "first")
    worker_clock(-SKEW)  # the second web server's
    later, _ = submit(later_treatment.link, URGENT, "later")
    by_backend = notify_escalation.enqueue(later.id)
    worker_clock(timedelta(0))
    waiting = DBTaskResult.objects.ready().values_list("args_kwargs", flat=True)
    assert [args["args"] for args in waiting] == [[first.id], [later.id], [later.id]]
    assert by_backend.enqueued_at == DBTaskResult.objects.get(id=by_backend.id).enqueued_at
