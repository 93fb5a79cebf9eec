"""Fault review F2 and F4: recording a treatment queued its reminders only after the aftercare e-mail came
back, in `on_commit` (a database blip then lost all of them, a hanging mail server held the staff's
request for minutes), and a reminder whose send failed was lost. Now the reminders are queued in the
treatment's transaction, the e-mails after the commit end within MESOSAFE_EMAIL_DEADLINE, and a failed
reminder is tried again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.patients.models import Patient
from mesosafe.treatments import services
from mesosafe.treatments.models import ScheduledCheckin, Treatment
from mesosafe.treatments.tasks import send_checkin_reminder
from tests.api.test_treatments import post, treatment_body
from tests.service_fixtures import API, Site
from tests.smtp_servers import SmtpServer

Record = Callable[..., Any]


def _reminders(status: str = TaskResultStatus.READY) -> list[DBTaskResult[..., Any]]:
    tasks = DBTaskResult.objects.filter(task_path=send_checkin_reminder.module_path, status=status)
    return list(tasks.order_by("run_after"))


def _upcoming() -> set[int]:
    return set(ScheduledCheckin.objects.filter(due_at__gt=timezone.now()).values_list("id", flat=True))


def test_the_reminders_are_queued_with_the_treatment_not_after_its_commit(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Record
) -> None:
    """No commit hook runs here (as when the database goes away right after the commit)."""
    make_treatment(site, make_patient(site), days_ago=0)
    assert {t.args_kwargs["args"][0] for t in _reminders()} == _upcoming() and len(_upcoming()) == 7


def test_the_reminders_are_queued_before_the_aftercare_email_is_sent(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Record,
    django_capture_on_commit_callbacks: Any,
) -> None:
    queued_by_then = []

    def failing_send(*args: Any) -> bool:
        queued_by_then.append(len(_reminders()))
        raise RuntimeError("the e-mail never came back")

    with pytest.MonkeyPatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
        patch.setattr(services.emails, "send_aftercare", failing_send)
        _, token = make_treatment(site, make_patient(site), days_ago=0)
    assert queued_by_then == [7] and token  # and the staff still get the token


@pytest.mark.django_db(transaction=True)  # the commit hooks run, as in a request
def test_a_trickling_mail_server_holds_the_recording_no_longer_than_the_deadline(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Record,
    trickling_smtp: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    patient = make_patient(site)
    with override_settings(**trickling_smtp.settings(EMAIL_TIMEOUT=2, MESOSAFE_EMAIL_DEADLINE=1)):
        started = time.monotonic()
        treatment, _ = make_treatment(site, patient, days_ago=0)
        services.reissue_link(treatment)
        services.issue_screening_link(patient)
        took = time.monotonic() - started
    assert trickling_smtp.connected.is_set() and took < 8  # three sends, each cut at 1 s
    assert f"aftercare email for treatment {treatment.id} failed: TimeoutError" in caplog.text
    assert f"screening-link email for patient {patient.id} failed: TimeoutError" in caplog.text
    assert len(_reminders()) == 7


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")


def _run_due_reminder(scheduled_id: int) -> None:
    tasks = DBTaskResult.objects.filter(status=TaskResultStatus.READY, args_kwargs__args=[scheduled_id])
    tasks.update(run_after=timezone.now())
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(
        args_kwargs__args=[scheduled_id]
    ).delete()
    call_command("db_worker", batch=True, verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_a_reminder_the_mail_server_refused_is_sent_once_it_is_back(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Record,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make_treatment(site, make_patient(site), days_ago=0)
    first = ScheduledCheckin.objects.filter(due_at__gt=timezone.now()).order_by("due_at").first()
    assert first is not None
    ScheduledCheckin.objects.filter(id=first.id).update(due_at=timezone.now())
    mail.outbox.clear()  # the aftercare e-mail
    refusing = "tests.treatments.test_recording_faults.RefusingBackend"
    with override_settings(EMAIL_BACKEND=refusing), caplog.at_level(logging.ERROR):
        before = timezone.now()
        _run_due_reminder(first.id)
    [failed] = _reminders(TaskResultStatus.FAILED)
    assert "ConnectionRefusedError" in failed.traceback
    [retry] = _reminders()
    assert retry.args_kwargs["args"] == [first.id] and retry.run_after >= before + timedelta(minutes=1)
    assert f"check-in reminder #{first.id} (ConnectionRefusedError" in caplog.text
    assert ScheduledCheckin.objects.get(id=first.id).reminded_at is None and not mail.outbox
    _run_due_reminder(first.id)  # its time comes, and the mail server is back
    assert ScheduledCheckin.objects.get(id=first.id).reminded_at is not None
    [message] = mail.outbox
    assert message.subject == "Time for your check-in"
    assert not _reminders()


@pytest.mark.django_db(transaction=True)  # the commit hooks run, as in a request
def test_a_mail_server_stalling_in_starttls_holds_the_request_no_longer_than_the_deadline(
    client: Client, site: Site, make_patient: Callable[..., Patient], stalling_starttls_smtp: SmtpServer
) -> None:
    """The aftercare e-mail is sent in the staff's request: a server that accepts, offers STARTTLS and then
    never starts the handshake fails the send at the deadline. The treatment and its link are stored, the
    token is in the answer, and the answer says the e-mail did not go (`emailed` false)."""
    patient = make_patient(site)
    body = treatment_body(site)
    post(client, site, make_patient(site, email=""), body)  # the first request loads what every one needs
    settings = stalling_starttls_smtp.settings(
        EMAIL_USE_TLS=True, EMAIL_TIMEOUT=10, MESOSAFE_EMAIL_DEADLINE=1
    )
    with override_settings(**settings):
        started = time.monotonic()
        response = post(client, site, patient, body)
        took = time.monotonic() - started
        created = response.json()
        reissued = client.post(f"{API}/treatments/{created['id']}/link/reissue", **site.headers()).json()
    assert response.status_code == 201, response.content
    assert stalling_starttls_smtp.connected.is_set() and took < 4
    assert created["new_link"]["token"] and created["new_link"]["emailed"] is False
    assert reissued["token"] and reissued["emailed"] is False
    assert Treatment.objects.get(id=created["id"]).link.emailed is False and len(_reminders()) == 14


@pytest.mark.django_db(transaction=True)
def test_the_link_says_whether_its_e_mail_went(
    client: Client, site: Site, make_patient: Callable[..., Patient], smtp_sink: SmtpServer
) -> None:
    with override_settings(**smtp_sink.settings(EMAIL_TIMEOUT=2, MESOSAFE_EMAIL_DEADLINE=5)):
        sent = post(client, site, make_patient(site), treatment_body(site)).json()["new_link"]
        unsent = post(client, site, make_patient(site, email=""), treatment_body(site)).json()["new_link"]
    assert (sent["emailed"], unsent["emailed"]) == (True, None) and len(smtp_sink.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_an_e_mail_that_fails_with_other_than_an_os_error_is_noted_as_not_sent(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    """A misconfigured EMAIL_HOST ("smtp..example.com") fails every send with a UnicodeError (the host name
    cannot be encoded), which is no OSError: the e-mail's outcome went unrecorded (`emailed` null) and the
    page showing the new link told the staff it had been emailed. Any failure is noted as not sent."""
    misconfigured = {
        "EMAIL_BACKEND": "mesosafe.lib.smtp.EmailBackend",
        "EMAIL_HOST": "smtp..example.com",
        "EMAIL_PORT": 25,
    }
    with override_settings(**misconfigured):
        created = post(client, site, make_patient(site), treatment_body(site))
        reissued = client.post(f"{API}/treatments/{created.json()['id']}/link/reissue", **site.headers())
    assert created.status_code == 201 and created.json()["new_link"]["token"]
    assert created.json()["new_link"]["emailed"] is False and reissued.json()["emailed"] is False
    assert Treatment.objects.get(id=created.json()["id"]).link.emailed is False
