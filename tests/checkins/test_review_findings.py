"""Reviewer's reproductions (branch `review`, /work/scratch/review.md): each test fails on the code as it is
and states what should hold instead. Each is a strict xfail so a merge keeps the suite green: a fix
makes it pass, and strict=True then fails until the marker is removed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.tasks import notify_escalation
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers


def _bug(finding: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"review finding {finding} (/work/scratch/review.md)")


URGENT = {"symptoms": [{"code": "pus"}]}
EMERGENCY = {"symptoms": [{"code": "breathing_difficulty"}]}


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down for a moment."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")


def _run_alerts() -> None:
    DBTaskResult.objects.exclude(task_path=notify_escalation.module_path).delete()  # reminders
    call_command("db_worker", batch=True, verbosity=0)


def _post(client: Client, token: str, body: dict[str, Any], **headers: str) -> Any:
    auth: Any = link_headers(token, **headers)
    return client.post(
        f"{API}/patient/checkins",
        data=json.dumps(body),
        content_type="application/json",
        **auth,
    )


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
@_bug("F6")
def test_an_alert_the_mail_server_refused_is_sent_once_it_is_back(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """F6: a transient SMTP error marks the alert task FAILED for good, alerted_at stays empty, and neither
    the worker nor a retry of the check-in (ensure_alert counts a FAILED task as queued) sends it again."""
    _, token = make_treatment(site, make_patient(site, email=""), days_ago=3)
    client = Client()
    with override_settings(EMAIL_BACKEND="tests.checkins.test_review_findings.RefusingBackend"):
        stored = _post(client, token, URGENT, HTTP_IDEMPOTENCY_KEY="K")
        assert stored.status_code == 201
        _run_alerts()
    _post(client, token, URGENT, HTTP_IDEMPOTENCY_KEY="K")  # the app retries; the mail server is back
    _run_alerts()
    checkin = CheckIn.objects.get(id=stored.json()["id"])
    assert checkin.alerted_at is not None and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
@_bug("F7")
def test_an_alert_with_nobody_to_email_is_not_marked_sent(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """F7: with no active staff e-mail address the task marks the check-in alerted and sends nothing."""
    site.staff.user.email = ""
    site.staff.user.save()
    _, token = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored = _post(Client(), token, URGENT)
    _run_alerts()
    checkin = CheckIn.objects.get(id=stored.json()["id"])
    assert not (checkin.alerted_at is not None and len(mail.outbox) == 0)
