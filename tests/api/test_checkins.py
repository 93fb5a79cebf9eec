"""Check-ins seen by staff: review queue, acknowledgement, urgent notifications, next-session eligibility."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import acknowledge, submit
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site

SELF_CARE = {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}]}
CONTACT = {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "same", "spreading": False}]}
URGENT = {
    "symptoms": [{"code": "pus"}, {"code": "warmth", "severity": "mild", "trend": "same", "spreading": False}]
}
EMERGENCY = {"symptoms": [{"code": "breathing_difficulty", "severity": "severe"}]}
CLEAR: dict[str, Any] = {"symptoms": []}


def _checkin(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    days: float,
    answers: dict[str, Any],
    submitted_minutes_ago: int = 0,
) -> CheckIn:
    treatment, _ = make_treatment(
        site, make_patient(site, name=f"P{days}{submitted_minutes_ago}"), days_ago=days
    )
    stored, _ = submit(treatment.link, answers)
    CheckIn.objects.filter(id=stored.id).update(
        submitted_at=timezone.now() - timedelta(minutes=submitted_minutes_ago)
    )
    return stored


def test_queue_orders_by_severity_then_age(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    old_contact = _checkin(site, make_patient, make_treatment, 10, CONTACT, submitted_minutes_ago=60)
    new_contact = _checkin(site, make_patient, make_treatment, 10, CONTACT, submitted_minutes_ago=5)
    urgent = _checkin(site, make_patient, make_treatment, 3, URGENT, submitted_minutes_ago=1)
    emergency = _checkin(site, make_patient, make_treatment, 0.1, EMERGENCY, submitted_minutes_ago=0)
    _checkin(site, make_patient, make_treatment, 2, SELF_CARE)

    queue = client.get(f"{API}/review-queue", **site.headers()).json()
    assert queue["count"] == 4
    assert [(c["id"], c["disposition"]) for c in queue["items"]] == [
        (emergency.id, "emergency"),
        (urgent.id, "urgent"),
        (old_contact.id, "contact_clinic"),
        (new_contact.id, "contact_clinic"),
    ]


def test_acknowledged_checkins_leave_the_queue(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    urgent = _checkin(site, make_patient, make_treatment, 3, URGENT)
    url = f"{API}/checkins/{urgent.id}/acknowledge"
    response = client.post(
        url, {"note": "called, seen today"}, content_type="application/json", **site.headers()
    )
    assert response.status_code == 200 and response.json()["review_note"] == "called, seen today"
    urgent.refresh_from_db()
    assert urgent.reviewed_by == site.staff.user and urgent.reviewed_at is not None
    assert client.get(f"{API}/review-queue", **site.headers()).json()["count"] == 0
    again = client.post(url, {"note": "x"}, content_type="application/json", **site.headers())
    assert again.status_code == 409
    urgent.refresh_from_db()
    assert urgent.review_note == "called, seen today"


def test_a_stale_copy_cannot_overwrite_a_review(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Two nurses open the same check-in; the second to press "acknowledge" does not replace the first."""
    urgent = _checkin(site, make_patient, make_treatment, 3, URGENT)
    first, second = CheckIn.objects.get(pk=urgent.id), CheckIn.objects.get(pk=urgent.id)
    assert acknowledge(first, site.staff.user, "called her")
    assert not acknowledge(second, site.staff.user, "")
    assert second.review_note == "called her" and second.reviewed_at == first.reviewed_at
    assert CheckIn.objects.get(pk=urgent.id).review_note == "called her"


def test_reopen_returns_a_review_to_the_queue_with_its_reason(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    urgent = _checkin(site, make_patient, make_treatment, 3, URGENT)
    acked = client.post(
        f"{API}/checkins/{urgent.id}/acknowledge", {"note": "wrong patient"},
        content_type="application/json", **site.headers(),
    ).json()  # fmt: skip
    url = f"{API}/checkins/{urgent.id}/reopen"
    garbled = {"reviewed_at": acked["reviewed_at"], "reason": "wrong card\x1b]8;;"}
    refused = client.post(url, garbled, content_type="application/json", **site.headers())
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    body = {"reviewed_at": acked["reviewed_at"], "reason": "  acknowledged the wrong card "}
    response = client.post(url, body, content_type="application/json", **site.headers())
    assert response.status_code == 200 and response.json()["reviewed_at"] is None
    assert [c["id"] for c in client.get(f"{API}/review-queue", **site.headers()).json()["items"]] == [
        urgent.id
    ]
    event = AuditEvent.objects.filter(
        object_type="checkin", object_id=str(urgent.id), detail__isnull=False
    ).get()
    assert event.user == site.staff.user and event.detail["reason"] == "acknowledged the wrong card"
    assert event.detail["undone"]["note"] == "wrong patient"
    again = client.post(url, body, content_type="application/json", **site.headers())
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert again.json()["errors"][0]["field"] == "reviewed_at"


def test_reopen_undoes_only_the_review_it_names(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    urgent = _checkin(site, make_patient, make_treatment, 3, URGENT)
    assert acknowledge(urgent, site.staff.user, "called her")
    stale = (urgent.reviewed_at - timedelta(seconds=1)).isoformat()
    url = f"{API}/checkins/{urgent.id}/reopen"
    response = client.post(
        url, {"reviewed_at": stale, "reason": "mistake"}, content_type="application/json", **site.headers()
    )
    assert response.status_code == 409
    assert CheckIn.objects.get(pk=urgent.id).review_note == "called her"
    blank = client.post(
        url, {"reviewed_at": urgent.reviewed_at.isoformat(), "reason": "   "},
        content_type="application/json", **site.headers(),
    )  # fmt: skip
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    for moment in ("9999-12-31T23:59:59.999+00:00", "0001-01-01T00:00:00+14:00", 1700000000):  # 500s once
        odd = client.post(
            url, {"reviewed_at": moment, "reason": "x"}, content_type="application/json", **site.headers()
        )
        assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "reviewed_at", odd.content
    assert CheckIn.objects.get(pk=urgent.id).reviewed_at == urgent.reviewed_at


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_urgent_checkin_notifies_clinic_staff(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    with django_capture_on_commit_callbacks(execute=True):
        submit(treatment.link, SELF_CARE)
        stored, _ = submit(treatment.link, URGENT)
    assert DBTaskResult.objects.filter(task_path="mesosafe.checkins.tasks.notify_escalation").count() == 1
    DBTaskResult.objects.exclude(task_path="mesosafe.checkins.tasks.notify_escalation").delete()  # reminders
    call_command("db_worker", batch=True)
    [message] = mail.outbox
    assert message.to == [site.staff.user.email]
    assert message.subject == f"[mesosafe] Check-in #{stored.id}: Seek medical care today"
    assert "3 days after treatment" in message.body and f"/clinic/checkins/{stored.id}/\n" in message.body


def test_next_session_eligibility(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = make_patient(site)
    treatment, _ = make_treatment(site, patient, days_ago=3)
    url = f"{API}/patients/{patient.id}/next-session"
    submit(treatment.link, SELF_CARE)  # bruising still reported
    blocked = client.get(url, **site.headers()).json()
    assert blocked["next_session_ok"] is False and blocked["reasons"]

    submit(treatment.link, CLEAR)
    assert client.get(url, **site.headers()).json()["next_session_ok"] is True

    complication = {"onset_date": str(timezone.now().date()), "grade": 2, "relatedness": "probably"}
    client.post(
        f"{API}/treatments/{treatment.id}/complications",
        complication,
        content_type="application/json",
        **site.headers(),
    )
    open_complication = client.get(url, **site.headers()).json()
    assert (
        open_complication["next_session_ok"] is False and len(open_complication["open_complication_ids"]) == 1
    )


def test_an_unreviewed_emergency_blocks_until_the_clinic_reviews_it(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = make_patient(site)
    treatment, _ = make_treatment(site, patient, days_ago=3)
    url = f"{API}/patients/{patient.id}/next-session"
    emergency, _ = submit(treatment.link, EMERGENCY)
    submit(treatment.link, CLEAR)  # "I feel fine" afterwards does not clear what nobody has looked at
    blocked = client.get(url, **site.headers()).json()
    assert blocked["next_session_ok"] is False and blocked["unreviewed_checkin_ids"] == [emergency.id]
    assert acknowledge(emergency, site.staff.user, "seen in clinic, resolved")
    cleared = client.get(url, **site.headers()).json()
    assert cleared["next_session_ok"] is True and cleared["unreviewed_checkin_ids"] == []


def test_checkins_per_treatment(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site))
    submit(treatment.link, SELF_CARE)
    submit(treatment.link, CONTACT)
    page = client.get(f"{API}/treatments/{treatment.id}/checkins", **site.headers()).json()
    assert page["count"] == 2
    one = client.get(f"{API}/checkins/{page['items'][0]['id']}", **site.headers())
    assert one.status_code == 200
