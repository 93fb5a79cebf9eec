"""Fault review F3: django-tasks-db picks `priority desc, run_after asc, enqueued_at asc` and stores a task
queued "now" as due in 9999, so at one priority every due reminder, retried alert and recall e-mail ran
before a fresh emergency alert. Staff alerts now run first (emergencies before urgent check-ins), and the
registry report last."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.services import submit
from mesosafe.checkins.tasks import alert_tasks, notify_escalation
from mesosafe.patients.models import Patient
from mesosafe.registry.tasks import build_registry_report
from mesosafe.treatments.tasks import send_checkin_reminder, send_recall_email
from tests.service_fixtures import Site

URGENT = {"symptoms": [{"code": "fever"}]}
EMERGENCY = {"symptoms": [{"code": "breathing_difficulty", "severity": "severe"}]}


def _next_pick() -> DBTaskResult[..., Any]:
    """The task the worker would start now (db_worker's own query)."""
    with transaction.atomic():
        picked = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
    assert picked is not None
    return picked


def _make_reminders_due() -> int:
    reminders = DBTaskResult.objects.filter(task_path=send_checkin_reminder.module_path)
    return reminders.update(run_after=timezone.now() - timedelta(minutes=5))


@pytest.fixture
def treated(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> Callable[[], Any]:
    """A new treatment of a patient with an address, so its reminders are queued (due in the future)."""
    return lambda: make_treatment(site, make_patient(site), days_ago=0)[0]


def test_a_fresh_alert_runs_before_due_reminders_recall_emails_and_reports(treated: Any) -> None:
    treatments = [treated() for _ in range(3)]
    assert _make_reminders_due() >= 18
    send_recall_email.enqueue(1, 1)
    build_registry_report.enqueue(1)
    stored, _ = submit(treatments[0].link, URGENT, "u")
    picked = _next_pick()
    assert picked.task_path == notify_escalation.module_path and picked.args_kwargs["args"] == [stored.id]


def test_an_emergency_runs_before_an_urgent_alert_even_a_due_retry(treated: Any) -> None:
    first, second = treated(), treated()
    submit(first.link, URGENT, "u")
    alert_tasks().update(run_after=timezone.now() - timedelta(minutes=1))  # a retry, due a minute ago
    emergency, _ = submit(second.link, EMERGENCY, "e")
    assert _next_pick().args_kwargs["args"] == [emergency.id]


def test_an_emergency_behind_a_waiting_urgent_alert_of_its_treatment_is_not_left_at_its_priority(
    treated: Any,
) -> None:
    treatment = treated()
    submit(treatment.link, URGENT, "u")
    emergency, _ = submit(treatment.link, EMERGENCY, "e")
    picked = _next_pick()
    assert picked.args_kwargs["args"] == [emergency.id]  # it alerts the urgent one too (its treatment's)


def test_the_registry_report_runs_after_due_reminders(treated: Any) -> None:
    treated()
    build_registry_report.enqueue(1)
    _make_reminders_due()
    assert _next_pick().task_path == send_checkin_reminder.module_path
    DBTaskResult.objects.filter(task_path=send_checkin_reminder.module_path).update(status="SUCCESSFUL")
    assert _next_pick().task_path == build_registry_report.module_path
