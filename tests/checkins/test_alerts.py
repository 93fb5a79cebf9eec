"""An urgent or emergency check-in is never stored without its staff alert: the alert task is written in the
check-in's own transaction, a retry of a stored escalated check-in queues the alert it lacks (a failed one
does not count), and the worker's sweep queues again an alert that has not gone out and that nothing will
send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.alerts import (
    SWEEP_WINDOW,
    alert_queued,
    ensure_alert,
    requeue_unsent,
    unsent_for_want_of_recipients,
)
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


URGENT = {"symptoms": [{"code": "pus"}]}


def _queued_for() -> list[int]:
    ready = _alerts().filter(status=TaskResultStatus.READY).order_by("enqueued_at")
    return [t.args_kwargs["args"][0] for t in ready]


def test_a_failed_alert_does_not_count_as_queued(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Review finding F6: a client's retry found the FAILED alert and queued none."""
    treatment, _ = make_treatment(site, make_patient(site), days_ago=2)
    stored, _ = submit(treatment.link, EMERGENCY, "K")
    _alerts().update(status=TaskResultStatus.FAILED)  # failed, and its retry could not be queued
    assert not alert_queued(stored)
    submit(treatment.link, EMERGENCY, "K")
    assert _queued_for() == [stored.id]
    _alerts().filter(status=TaskResultStatus.READY).update(status=TaskResultStatus.SUCCESSFUL)
    assert alert_queued(stored) and not ensure_alert(stored)  # done counts


def test_the_sweep_queues_only_the_alerts_nothing_will_send(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """One alert a treatment: it names every check-in of the treatment not yet alerted."""
    treatment, _ = make_treatment(site, make_patient(site), days_ago=2)
    lost, alerted, reviewed, old = (submit(treatment.link, URGENT, k)[0] for k in "abcd")
    calm, _ = submit(treatment.link, SELF_CARE, "f")
    other, _ = make_treatment(site, make_patient(site), days_ago=2)
    waiting, _ = submit(other.link, URGENT, "w")
    _alerts().exclude(args_kwargs__args=[waiting.id]).update(status=TaskResultStatus.FAILED)
    CheckIn.objects.filter(id=alerted.id).update(alerted_at=timezone.now())
    CheckIn.objects.filter(id=reviewed.id).update(reviewed_at=timezone.now())
    CheckIn.objects.filter(id=old.id).update(submitted_at=timezone.now() - SWEEP_WINDOW - timedelta(hours=1))
    assert requeue_unsent() == 1
    assert _queued_for() == [waiting.id, lost.id]
    assert requeue_unsent() == 0  # queued now: not twice
    _alerts().filter(args_kwargs__args=[waiting.id]).update(status=TaskResultStatus.RUNNING)
    assert requeue_unsent() == 0  # running counts too
    assert calm.id not in _queued_for()


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_an_alert_nobody_could_be_emailed_about_is_sent_once_an_address_is_added(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Review finding F7: the check-in stays unalerted, the sweep leaves it while nobody can be e-mailed
    (no task every beat), and sends it once a staff member has an address."""
    email = site.staff.user.email
    site.staff.user.email = ""
    site.staff.user.save()
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored, _ = submit(treatment.link, URGENT, "u")
    DBTaskResult.objects.exclude(task_path=notify_escalation.module_path).delete()  # reminders
    call_command("db_worker", batch=True, verbosity=0)
    assert not mail.outbox and CheckIn.objects.get(id=stored.id).alerted_at is None
    assert unsent_for_want_of_recipients(site.clinic) == 1
    assert requeue_unsent() == 0 and not _queued_for()
    site.staff.user.email = email
    site.staff.user.save()
    assert unsent_for_want_of_recipients(site.clinic) is None
    assert requeue_unsent() == 1
    call_command("db_worker", batch=True, verbosity=0)
    [message] = mail.outbox
    assert message.to == [email] and f"/clinic/checkins/{stored.id}/" in message.body
    assert CheckIn.objects.get(id=stored.id).alerted_at is not None
    assert requeue_unsent() == 0


def test_unsent_for_want_of_recipients_counts_the_clinics_own(
    site: Site,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    other = make_site("Other")
    for s in (site, other):
        s.staff.user.is_active = False
        s.staff.user.save()
        treatment, _ = make_treatment(s, make_patient(s), days_ago=2)
        submit(treatment.link, URGENT, "u")
        submit(treatment.link, EMERGENCY, "e")
        submit(treatment.link, SELF_CARE, "calm")
    assert unsent_for_want_of_recipients(site.clinic) == 2
    CheckIn.objects.for_clinic(site.clinic).filter(idempotency_key="e").update(reviewed_at=timezone.now())
    assert unsent_for_want_of_recipients(site.clinic) == 1  # reviewed: seen, no longer waiting
    assert unsent_for_want_of_recipients(other.clinic) == 2
