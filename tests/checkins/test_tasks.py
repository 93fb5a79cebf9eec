"""The staff alert: its wording of the time since treatment, its language (the clinic's), its grouping, and
its retries: a failed alert is sent once mail works again, exactly once, and one nobody could be e-mailed
about is not marked sent."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone, translation
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import submit
from mesosafe.checkins.tasks import (
    alert,
    grouped_alert,
    notify_escalation,
    send_alert,
    since_treatment,
)
from mesosafe.knowledge import Lang
from mesosafe.lib.queueing import retry_delay
from mesosafe.patients.models import Patient
from tests.concurrent import all_at_once
from tests.service_fixtures import API, Site, link_headers, on_postgres


@pytest.mark.parametrize(
    ("days", "text"),
    [(0.2, "5 hours after treatment"), (1 / 24, "1 hour after treatment"), (1.0, "1 day after treatment"),
     (2.0, "2 days after treatment"), (3.9, "3 days after treatment"), (84.5, "84 days after treatment")],
)  # fmt: skip
def test_since_treatment(days: float, text: str) -> None:
    assert since_treatment(days) == text


@pytest.mark.parametrize(
    ("days", "text"),
    [(0.2, "بعد العلاج بـ5 ساعات"), (1.0, "بعد العلاج بيوم واحد"), (2.5, "بعد العلاج بيومين"),
     (3.9, "بعد العلاج بـ3 أيام"), (14.0, "بعد العلاج بـ14 يومًا")],
)  # fmt: skip
def test_since_treatment_in_arabic(days: float, text: str) -> None:
    with translation.override("ar"):
        assert since_treatment(days) == text


def test_an_arabic_clinics_alert_is_in_arabic() -> None:
    checkin = CheckIn(id=41, treatment_id=7, disposition="emergency", days_since_treatment=2.2)
    with translation.override("ar"):
        subject, message = alert(checkin, Lang.AR)
    assert subject.startswith("[mesosafe] المتابعة رقم 41: ") and "حالة طارئة" in subject
    assert "العلاج رقم 7" in message and "بعد العلاج بيومين" in message
    assert message.rstrip().endswith("/clinic/checkins/41/")
    with translation.override("en"):
        subject, message = alert(checkin, Lang.EN)
    assert subject == "[mesosafe] Check-in #41: Emergency — call now"
    assert "triaged as: Emergency — call now (treatment #7, 2 days after treatment)" in message


URGENT = {
    "symptoms": [{"code": "pus"}, {"code": "warmth", "severity": "mild", "trend": "same", "spreading": False}]
}
EMERGENCY = {"symptoms": [{"code": "breathing_difficulty", "severity": "severe"}]}


def _run_due_tasks() -> None:
    DBTaskResult.objects.exclude(task_path=notify_escalation.module_path).delete()  # reminders
    call_command("db_worker", batch=True, verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_alerts_for_one_treatment_within_minutes_go_in_one_email(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    flood = [submit(treatment.link, URGENT, f"u{n}")[0] for n in range(3)]
    _run_due_tasks()
    [message] = mail.outbox  # three check-ins, one e-mail listing each
    assert message.subject == f"[mesosafe] 3 check-ins of treatment #{treatment.id}: Seek medical care today"
    assert all(f"/clinic/checkins/{c.id}/" in message.body for c in flood)
    assert all(c.alerted_at for c in CheckIn.objects.filter(id__in=[c.id for c in flood]))
    later, _ = submit(treatment.link, URGENT, "u-later")  # within the window: held for its end
    _run_due_tasks()
    assert len(mail.outbox) == 1
    [held] = DBTaskResult.objects.filter(status="READY", task_path=notify_escalation.module_path)
    assert held.args_kwargs["args"] == [later.id] and held.run_after > timezone.now()
    worse, _ = submit(treatment.link, EMERGENCY, "e")  # more serious than what was alerted: at once
    _run_due_tasks()
    assert len(mail.outbox) == 2
    assert f"/clinic/checkins/{worse.id}/" in mail.outbox[1].body
    assert f"/clinic/checkins/{later.id}/" in mail.outbox[1].body  # the held one goes with it
    DBTaskResult.objects.filter(id=held.id).update(run_after=timezone.now())  # its window ends
    _run_due_tasks()
    assert len(mail.outbox) == 2  # already named: no second alert
    assert not CheckIn.objects.filter(disposition_rank__gte=2, alerted_at__isnull=True).exists()


def test_a_grouped_alert_in_arabic() -> None:
    checkins = [
        CheckIn(id=n, treatment_id=7, disposition="urgent", disposition_rank=2, days_since_treatment=3.0,
                explanation=None, reasons=[], answers={})
        for n in (11, 12)
    ]  # fmt: skip
    subject, body = grouped_alert(checkins, Lang.AR)
    assert "متابعات للعلاج رقم 7" in subject and "المتابعة رقم 12" in body and "وصلت من المريض 2" in body


def test_a_grouped_alert_lists_at_most_fifty_checkins_and_counts_the_rest() -> None:
    """Fault review F7: every held check-in was listed, so a flood made an e-mail of any size."""
    checkins = [
        CheckIn(id=n, treatment_id=7, disposition="urgent", disposition_rank=2, days_since_treatment=3.0,
                explanation=None, reasons=[], answers={})
        for n in range(1, 401)
    ]  # fmt: skip
    subject, body = grouped_alert(checkins, Lang.EN)
    assert subject.startswith("[mesosafe] 400 check-ins of treatment #7")
    assert "/clinic/checkins/50/" in body and "/clinic/checkins/51/" not in body
    assert body.rstrip().endswith("… and 350 more check-ins: see the queue:\n/clinic/")


def test_past_the_cap_an_emergency_is_named_first_never_cut() -> None:
    urgent = [
        CheckIn(id=n, treatment_id=7, disposition="urgent", disposition_rank=2, days_since_treatment=3.0,
                explanation=None, reasons=[], answers={})
        for n in range(1, 100)
    ]  # fmt: skip
    emergency = CheckIn(id=100, treatment_id=7, disposition="emergency", disposition_rank=3,
                        days_since_treatment=3.0, explanation=None, reasons=[], answers={})  # fmt: skip
    _, body = grouped_alert([*urgent, emergency], Lang.EN)
    assert body.index("/clinic/checkins/100/") < body.index("/clinic/checkins/1/")
    assert "/clinic/checkins/49/" in body and "/clinic/checkins/50/" not in body


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down for a moment."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")


MAIL_DOWN = override_settings(EMAIL_BACKEND="tests.checkins.test_tasks.RefusingBackend")


def _post(client: Client, token: str, body: dict[str, Any], **headers: str) -> Any:
    auth: Any = link_headers(token, **headers)
    return client.post(
        f"{API}/patient/checkins", data=json.dumps(body), content_type="application/json", **auth
    )


def _alert_tasks(status: str) -> list[DBTaskResult[..., Any]]:
    tasks = DBTaskResult.objects.filter(task_path=notify_escalation.module_path, status=status)
    return list(tasks.order_by("enqueued_at"))


def _retry_is_due() -> DBTaskResult[..., Any]:
    """The one waiting retry, made due (as if its time had come)."""
    [retry] = _alert_tasks(TaskResultStatus.READY)
    DBTaskResult.objects.filter(id=retry.id).update(run_after=timezone.now())
    return retry


def test_the_delay_before_a_retry_doubles_up_to_half_an_hour() -> None:
    assert [retry_delay(n) // timedelta(minutes=1) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert retry_delay(10_000) == timedelta(minutes=30)


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_an_alert_the_mail_server_refused_is_sent_once_it_is_back(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Review finding F6: a transient SMTP error marked the alert FAILED for good. Now the failed run queues
    a retry a minute later, logging an error; the client's retry adds no second alert; the retry sends it."""
    _, token = make_treatment(site, make_patient(site, email=""), days_ago=3)
    client = Client()
    with MAIL_DOWN, caplog.at_level(logging.ERROR, logger="mesosafe.checkins.tasks"):
        stored = _post(client, token, URGENT, HTTP_IDEMPOTENCY_KEY="K")
        assert stored.status_code == 201
        before = timezone.now()
        _run_due_tasks()
    checkin_id = stored.json()["id"]
    [failed] = _alert_tasks(TaskResultStatus.FAILED)
    assert failed.args_kwargs["args"] == [checkin_id]
    assert "ConnectionRefusedError" in failed.traceback
    [retry] = _alert_tasks(TaskResultStatus.READY)
    assert retry.args_kwargs["args"] == [checkin_id]
    assert before + timedelta(minutes=1) <= retry.run_after <= timezone.now() + timedelta(minutes=1)
    assert f"staff alert for check-in #{checkin_id} failed (attempt 1: ConnectionRefusedError" in caplog.text
    assert CheckIn.objects.get(id=checkin_id).alerted_at is None and not mail.outbox
    retried = _post(client, token, URGENT, HTTP_IDEMPOTENCY_KEY="K")  # the app retries
    assert retried.status_code == 201 and retried.json()["id"] == checkin_id
    assert len(_alert_tasks(TaskResultStatus.READY)) == 1  # its alert is queued already: the retry
    _run_due_tasks()
    assert not mail.outbox  # not before its time
    _retry_is_due()  # the mail server is back
    _run_due_tasks()
    checkin = CheckIn.objects.get(id=checkin_id)
    assert checkin.alerted_at is not None and len(mail.outbox) == 1
    assert f"/clinic/checkins/{checkin_id}/" in mail.outbox[0].body
    assert not _alert_tasks(TaskResultStatus.READY)  # done: nothing more queued


@pytest.mark.django_db(transaction=True)
def test_an_alert_is_retried_with_growing_delays_until_the_mail_server_answers(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored, _ = submit(treatment.link, EMERGENCY, "e")
    delays = []
    with MAIL_DOWN, caplog.at_level(logging.ERROR, logger="mesosafe.checkins.tasks"):
        _run_due_tasks()
        for _ in range(3):
            [retry] = _alert_tasks(TaskResultStatus.READY)
            delays.append(round((retry.run_after - retry.enqueued_at) / timedelta(minutes=1)))
            _retry_is_due()
            _run_due_tasks()
    assert delays == [1, 2, 4]
    assert len(_alert_tasks(TaskResultStatus.FAILED)) == 4
    assert [r.levelname for r in caplog.records].count("ERROR") == 4  # one error a failure, none silent
    assert "(attempt 4: ConnectionRefusedError" in caplog.text
    _retry_is_due()
    _run_due_tasks()
    [message] = mail.outbox
    assert message.subject.startswith(f"[mesosafe] Check-in #{stored.id}: ")
    assert CheckIn.objects.get(id=stored.id).alerted_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_retry_and_a_sweep_queued_for_one_checkin_send_one_email(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A retry and an alert queued by another worker's sweep (which read the task table just before the
    retry was written) for one check-in, both due: the second finds it alerted and sends nothing."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored, _ = submit(treatment.link, URGENT, "u")
    with MAIL_DOWN:
        _run_due_tasks()
    _retry_is_due()
    notify_escalation.enqueue(stored.id)  # the sweep's
    assert len(_alert_tasks(TaskResultStatus.READY)) == 2
    _run_due_tasks()
    assert len(mail.outbox) == 1
    assert [t.return_value for t in _alert_tasks(TaskResultStatus.SUCCESSFUL)] == [1, 0]


@pytest.mark.django_db(transaction=True)
def test_two_alerts_for_one_checkin_run_at_once_send_one_email(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Two workers run the retry and the sweep's alert at the same moment: the check-in's row lock lets one
    send and the other find it alerted."""
    if not on_postgres():
        pytest.skip("row locks (SELECT … FOR UPDATE) and concurrent writers: PostgreSQL")
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored, _ = submit(treatment.link, URGENT, "u")

    def run(_: int) -> int:
        try:
            return send_alert(stored.id)
        finally:
            connection.close()

    for _ in range(3):  # a few rounds: the race is not won the same way each time
        CheckIn.objects.filter(id=stored.id).update(alerted_at=None)
        mail.outbox.clear()
        sent = all_at_once(4, run)
        assert sorted(sent) == [0, 0, 0, 1] and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_alert_with_nobody_to_email_is_not_marked_sent(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Review finding F7: with no active staff e-mail address the task marked the check-in alerted and sent
    nothing, silently. Now it stays unalerted (for the sweep, once an address is added) and an error is
    logged."""
    site.staff.user.email = ""
    site.staff.user.save()
    _, token = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored = _post(Client(), token, URGENT)
    with caplog.at_level(logging.ERROR, logger="mesosafe.checkins.tasks"):
        _run_due_tasks()
    checkin = CheckIn.objects.get(id=stored.json()["id"])
    assert checkin.alerted_at is None and not mail.outbox
    assert (
        f"staff alert for check-in #{checkin.id} not sent: clinic #{site.clinic.id} has no active staff"
        in (caplog.text)
    )
    assert not _alert_tasks(TaskResultStatus.READY)  # no retry loop: the sweep sends it once it can


def test_an_inactive_staff_member_is_nobody_to_email(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    site.staff.user.is_active = False
    site.staff.user.save()
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored, _ = submit(treatment.link, URGENT, "u")
    assert send_alert(stored.id) == 0
    assert CheckIn.objects.get(id=stored.id).alerted_at is None and not mail.outbox
