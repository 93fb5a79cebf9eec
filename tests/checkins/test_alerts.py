"""An urgent or emergency check-in is never stored without its staff alert: the alert task is written in the
check-in's own transaction, and a retry of a stored escalated check-in queues the alert it lacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.alerts import alert_queued, ensure_alert
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import submit
from mesosafe.checkins.tasks import notify_escalation
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers, on_postgres

EMERGENCY = {"symptoms": [{"code": "breathing_difficulty", "severity": "severe"}]}
SELF_CARE = {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}]}
TASKS = DBTaskResult._meta.db_table


def _alerts() -> Any:
    return DBTaskResult.objects.filter(task_path=notify_escalation.module_path)


@pytest.mark.django_db(transaction=True)  # real commits: the old code queued the alert after its commit
def test_a_failed_alert_write_stores_nothing_and_the_retry_stores_both(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Issue 14's reproduction: the task table refuses every row, the emergency check-in with key K fails;
    once the table takes rows again, the retry with K stores the check-in and its alert."""
    if not on_postgres():
        pytest.skip("the reproduction adds a constraint with ALTER TABLE … NOT VALID (PostgreSQL)")
    _, token = make_treatment(site, make_patient(site), days_ago=2)
    client = Client(raise_request_exception=False)
    headers = link_headers(token, HTTP_IDEMPOTENCY_KEY="K")
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{TASKS}" ADD CONSTRAINT b CHECK(false) NOT VALID')
    try:
        failed = client.post(f"{API}/patient/checkins", EMERGENCY, content_type="application/json", **headers)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{TASKS}" DROP CONSTRAINT b')
    assert failed.status_code in (500, 503)
    assert failed["Content-Type"] == "application/problem+json"
    retried = client.post(f"{API}/patient/checkins", EMERGENCY, content_type="application/json", **headers)
    assert retried.status_code == 201
    [stored] = CheckIn.objects.filter(idempotency_key="K")
    assert stored.id == retried.json()["id"] and stored.disposition == "emergency"
    [task] = _alerts()
    assert task.args_kwargs == {"args": [stored.id], "kwargs": {}}
    assert task.status == "READY" and task.queue_name == notify_escalation.queue_name


def test_a_retry_queues_the_alert_a_stored_escalated_checkin_lacks(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=2)
    stored, created = submit(treatment.link, EMERGENCY, "K")
    assert created and alert_queued(stored)
    _alerts().delete()  # as a check-in stored by the old code, whose alert was lost
    again, created = submit(treatment.link, EMERGENCY, "K")
    assert (again.id, created) == (stored.id, False)
    [task] = _alerts()
    assert task.args_kwargs["args"] == [stored.id]
    submit(treatment.link, EMERGENCY, "K")  # a retry of a covered check-in adds none
    assert _alerts().count() == 1


def test_only_urgent_and_emergency_checkins_get_an_alert(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=2)
    calm, _ = submit(treatment.link, SELF_CARE, "calm")
    submit(treatment.link, SELF_CARE, "calm")
    assert not alert_queued(calm) and not _alerts().exists()
    assert ensure_alert(calm) and not ensure_alert(calm)  # the function itself: once
    assert _alerts().count() == 1
