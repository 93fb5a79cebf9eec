"""The recall page's actions (views/recall_actions.py): start and e-mail, send again, mark reached; one-time
tokens, redirect after POST, clinics apart (404), audit rows, refusals named on their field."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import Recall, RecallContact
from tests.pages_fixtures import Case, ClinicSite, build_case

BACK = "/clinic/recall/?lot=LOT-A-001#recall-actions"


def _start(client: Client, token: str = "t-start", reason: str = "Supplier notice") -> object:
    return client.post("/clinic/recall/send/", {"lot": "LOT-A-001", "reason": reason, "form_token": token})


def _reached(client: Client, case: Case, token: str, method: str = "phone", note: str = "") -> object:
    data = {
        "lot": "LOT-A-001",
        "patient": case.patient.id,
        "method": method,
        "note": note,
        "form_token": token,
    }
    return client.post("/clinic/recall/contacted/", data)


def _tokens(page: str) -> list[str]:
    return re.findall(r'name="form_token" value="([^"]+)"', page)


def test_starting_emails_and_redirects_back(site_a: ClinicSite, staff_client: Client) -> None:
    amal = build_case(site_a, name="Amal")
    Patient.objects.filter(pk=amal.patient.pk).update(email="amal@example.com")
    build_case(site_a, name="Huda")
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "Start the recall and e-mail the patients" in page
    with_token = _start(staff_client)
    assert with_token.status_code == 302 and with_token["Location"] == BACK  # type: ignore[attr-defined]
    recall = Recall.objects.get()
    assert recall.created_by == site_a.user and recall.reason == "Supplier notice"
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "1 recall e-mail queued." in page and "0 patients reached" in page
    assert "2 not yet reached" in page and "1 without an e-mail address: call them" in page
    assert "No e-mail address: call" in page and "Queued" in page
    assert AuditEvent.objects.filter(object_type="recall", action="create").count() == 1
    assert AuditEvent.objects.filter(object_type="recall_email", patient_id=amal.patient.id).count() == 1


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_a_reload_sends_nothing_new(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    Patient.objects.filter(pk=case.patient.pk).update(email="amal@example.com")
    _start(staff_client, token="once")
    again = _start(staff_client, token="once")
    assert again.status_code == 302 and again["Location"] == BACK  # type: ignore[attr-defined]
    assert RecallContact.objects.get().email_requests == 1
    call_command("db_worker", batch=True, verbosity=0)
    assert len(mail.outbox) == 1


def test_marking_reached_shows_who_and_when(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    _start(staff_client)
    response = _reached(staff_client, case, "t-1", note="Booked a check on Monday")
    assert response.status_code == 302  # type: ignore[attr-defined]
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "1 patient reached" in page and "0 not yet reached" in page
    reached = page.split('id="reached"')[1]
    assert (
        "Amal" in reached
        and "Phone" in reached
        and "alice" in reached
        and "Booked a check on Monday" in reached
    )
    [event] = AuditEvent.objects.filter(object_type="recall_contact")
    assert event.user == site_a.user and event.patient_id == case.patient.id


def test_bad_input_is_named_on_its_field_with_fresh_tokens(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    build_case(site_a, name="Noor")
    refused = _start(staff_client, token="no-reason", reason=" ")
    page = refused.content.decode()  # type: ignore[attr-defined]
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert 'href="#id_reason">Reason for the recall — Give the reason for the recall.</a>' in page
    assert "no-reason" not in _tokens(page)  # the page's forms each have a new token
    _start(staff_client)
    refused = _reached(staff_client, case, "pigeon-token", method="pigeon")
    page = refused.content.decode()  # type: ignore[attr-defined]
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert f'href="#id_p{case.patient.id}_method">How — Select a valid choice.' in page
    tokens = _tokens(page)
    assert "pigeon-token" not in tokens and len(set(tokens)) == len(tokens)  # one each, none reused
    assert _reached(staff_client, case, "pigeon-token").status_code == 302  # type: ignore[attr-defined]


def test_a_patient_is_marked_reached_once(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    _start(staff_client)
    _reached(staff_client, case, "first")
    twice = _reached(staff_client, case, "second", method="in_person")
    assert twice.status_code == 400  # type: ignore[attr-defined]
    assert "This patient is already marked as reached." in twice.content.decode()  # type: ignore[attr-defined]
    assert RecallContact.objects.get().method == "phone"


def test_before_the_recall_is_started_nobody_is_marked(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    refused = _reached(staff_client, case, "early")
    assert refused.status_code == 400 and "Start the recall first." in refused.content.decode()  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_send_again_emails_once_more(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    Patient.objects.filter(pk=case.patient.pk).update(email="amal@example.com")
    _start(staff_client)
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "Queued" in page and "Send again" not in page  # not while the first one waits for the worker
    call_command("db_worker", batch=True, verbosity=0)
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "Send again" in page and "Sent " in page
    data = {"lot": "LOT-A-001", "patient": case.patient.id, "form_token": "again"}
    assert staff_client.post("/clinic/recall/send/", data).status_code == 302
    assert RecallContact.objects.get().email_requests == 2
    call_command("db_worker", batch=True, verbosity=0)
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(object_type="recall_email", actor="system").count() == 2  # sends made


def test_another_clinics_patient_or_lot(site_a: ClinicSite, site_b: ClinicSite, staff_client: Client) -> None:
    build_case(site_a)
    theirs = build_case(site_b, name="Bea")
    _start(staff_client)
    assert _reached(staff_client, theirs, "x").status_code == 404  # type: ignore[attr-defined]
    data = {"lot": "LOT-A-001", "patient": theirs.patient.id, "form_token": "y"}
    assert staff_client.post("/clinic/recall/send/", data).status_code == 404
    refused = staff_client.post(
        "/clinic/recall/send/", {"lot": "LOT-B-001", "reason": "r", "form_token": "z"}
    )
    assert refused.status_code == 400 and "This clinic has no such lot." in refused.content.decode()
    assert not Recall.objects.filter(clinic=site_b.clinic).exists()
    assert not AuditEvent.objects.filter(clinic=site_b.clinic, object_type__startswith="recall").exists()


def test_get_leads_back_to_the_page(site_a: ClinicSite, staff_client: Client) -> None:
    assert staff_client.get("/clinic/recall/send/").status_code == 302
    assert staff_client.get("/clinic/recall/contacted/").status_code == 302


def test_the_recall_in_arabic(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    _start(staff_client)
    _reached(staff_client, case, "ar-1")
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "الاستدعاء" in page and "تم التواصل مع: 1" in page and "الهاتف" in page
    assert "Not yet reached" not in page and "Started by" not in page


def test_a_send_stuck_in_the_queue_can_be_sent_again(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    Patient.objects.filter(pk=case.patient.pk).update(email="amal@example.com")
    _start(staff_client)  # in this test's transaction the task is never queued: the send stays queued
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "Queued" in page and "Send again" not in page
    asked = timezone.now() - timedelta(minutes=11)
    RecallContact.objects.update(email_requested_at=asked)
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    row = page.split(f'id="patient-{case.patient.id}"')[1].split("</tr>")[0]
    assert ", still not sent" in row and "Send again" in row
    data = {"lot": "LOT-A-001", "patient": case.patient.id, "form_token": "stuck"}
    assert staff_client.post("/clinic/recall/send/", data).status_code == 302
    contact = RecallContact.objects.get()
    assert contact.email_requests == 1 and contact.email_requested_at > asked  # the same send, queued again
    event = AuditEvent.objects.filter(object_type="recall_email").latest("id")
    assert event.detail["requeued"] is True  # type: ignore[index]
    RecallContact.objects.update(email_requested_at=asked)
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "ولم تُرسل بعد" in page and "إعادة الإرسال" in page


def test_a_send_being_made_is_not_doubled(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    Patient.objects.filter(pk=case.patient.pk).update(email="amal@example.com")
    _start(staff_client)
    RecallContact.objects.update(emails_sent=1)  # a worker took the send and has not said how it went
    data = {"lot": "LOT-A-001", "patient": case.patient.id, "form_token": "busy"}
    refused = staff_client.post("/clinic/recall/send/", data)
    assert refused.status_code == 400
    assert "The recall e-mail is being sent. Try again in a few minutes." in refused.content.decode()
    assert RecallContact.objects.get().email_requests == 1


def _not_reached(client: Client, case: Case, token: str, reason: str = "Called the wrong Amal") -> object:
    contact = RecallContact.objects.get(patient=case.patient)
    assert contact.contacted_at is not None
    data = {
        "lot": "LOT-A-001",
        "patient": case.patient.id,
        "contacted_at": contact.contacted_at.isoformat(),
        "reason": reason,
        "form_token": token,
    }
    return client.post("/clinic/recall/not-reached/", data)


def test_reached_by_mistake_is_undone(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a)
    _start(staff_client)
    _reached(staff_client, case, "t-1", note="wrong one")
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    row = page.split(f'id="reached-{case.patient.id}"')[1].split("</tr>")[0]
    assert "Undo" in row and "Why is the patient not reached?" in row and 'name="contacted_at"' in row
    refused = _not_reached(staff_client, case, "blank", reason=" ")
    page = refused.content.decode()  # type: ignore[attr-defined]
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert f'href="#id_u{case.patient.id}_reason">' in page and "Say why the patient is not reached." in page
    assert "<details open>" in page  # the refused form is shown open
    done = _not_reached(staff_client, case, "t-2")
    assert done.status_code == 302 and done["Location"] == BACK  # type: ignore[attr-defined]
    assert _not_reached_reload_is_harmless(staff_client, case)
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "Amal is marked as not reached." in page and "0 patients reached" in page
    assert f'id="patient-{case.patient.id}"' in page  # back among the patients to reach
    contact = RecallContact.objects.get()
    assert contact.contacted_at is None and contact.method == ""
    event = AuditEvent.objects.filter(object_type="recall_contact").latest("id")
    assert event.detail["reason"] == "Called the wrong Amal" and event.user == site_a.user  # type: ignore[index]
    staff_client.cookies["django_language"] = "ar"
    _reached(staff_client, case, "t-3")
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "هل تم التسجيل بالخطأ؟" in page and "لماذا لم يتم التواصل مع المريض؟" in page
    assert "Undo" not in page


def _not_reached_reload_is_harmless(client: Client, case: Case) -> bool:
    """The same form sent again (a reload) changes nothing and leads back to the page."""
    data = {
        "lot": "LOT-A-001",
        "patient": case.patient.id,
        "contacted_at": "x",
        "reason": "r",
        "form_token": "t-2",
    }
    again = client.post("/clinic/recall/not-reached/", data)
    return again.status_code == 302 and again["Location"] == BACK  # type: ignore[attr-defined,no-any-return]


def test_undoing_a_mark_made_since_or_of_another_clinic(
    site_a: ClinicSite, site_b: ClinicSite, staff_client: Client
) -> None:
    case = build_case(site_a)
    theirs = build_case(site_b, name="Bea")
    _start(staff_client)
    _reached(staff_client, case, "t-1")
    stale = {
        "lot": "LOT-A-001",
        "patient": case.patient.id,
        "contacted_at": "2026-01-01T00:00:00+00:00",
        "reason": "mistake",
        "form_token": "stale",
    }
    refused = staff_client.post("/clinic/recall/not-reached/", stale)
    assert refused.status_code == 400
    assert (
        "This patient was marked as reached again since. Look at the page again." in refused.content.decode()
    )
    assert RecallContact.objects.get().contacted_at is not None
    other = {**stale, "patient": theirs.patient.id, "form_token": "theirs"}
    assert staff_client.post("/clinic/recall/not-reached/", other).status_code == 404
    assert staff_client.get("/clinic/recall/not-reached/").status_code == 302
