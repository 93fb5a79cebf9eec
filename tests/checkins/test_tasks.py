"""The staff alert: its wording of the time since treatment, and its language (the clinic's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import submit
from mesosafe.checkins.tasks import alert, grouped_alert, notify_escalation, since_treatment
from mesosafe.knowledge import Lang
from mesosafe.patients.models import Patient
from tests.service_fixtures import Site


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
