"""Batch recall actions through the API (api/recalls.py): start with a reason, e-mail the recipients, e-mail
one again, mark reached, read the standing; the recall page's services, audited; clinics apart (404); bad
input as problem+json naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import Recall, RecallContact
from tests.service_fixtures import API, Site

LOT = "RECALL-LOT-1"
PROBLEM = "application/problem+json"


def _post(client: Client, site: Site, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{API}{path}", body or {}, content_type="application/json", **site.headers())


def _field(response: Any) -> str:
    assert response["Content-Type"] == PROBLEM, response.content
    return str(response.json()["errors"][0]["field"])


@pytest.fixture
def recall_site(
    make_site: Callable[..., Site], make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> tuple[Site, Patient, Patient]:
    site = make_site(lot=LOT)
    amal = make_patient(site, name="Amal")
    huda = make_patient(site, name="Huda", email="")  # no address: to be called
    make_treatment(site, amal, days_ago=5)
    make_treatment(site, huda, days_ago=1)
    return site, amal, huda


def test_start_email_mark_and_read(client: Client, recall_site: tuple[Site, Patient, Patient]) -> None:
    site, amal, huda = recall_site
    before = client.get(f"{API}/batches/{LOT}/recall", **site.headers()).json()
    assert before == {"recall": None, "reached": 0, "not_reached": 2, "to_email": 1, "to_call": 1}

    started = _post(client, site, f"/batches/{LOT.lower()}/recall", {"reason": " Supplier notice 12 "})
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["queued"] == 1 and body["recall"]["lot_number"] == LOT
    assert body["recall"]["reason"] == "Supplier notice 12"
    assert body["recall"]["created_by"] == site.staff.user.id
    again = _post(client, site, f"/batches/{LOT}/recall", {"reason": "another reason"})
    assert again.status_code == 409 and _field(again) == "lot"
    assert Recall.objects.get().reason == "Supplier notice 12"  # the first reason stays

    assert _post(client, site, f"/batches/{LOT}/recall/emails").json()["queued"] == 0  # nobody twice

    marked = _post(
        client, site, f"/batches/{LOT}/recall/patients/{huda.id}/reached", {"method": "phone", "note": "ok"}
    )
    assert marked.status_code == 200, marked.content
    assert marked.json()["method"] == "phone" and marked.json()["contacted_by"] == site.staff.user.id
    twice = _post(client, site, f"/batches/{LOT}/recall/patients/{huda.id}/reached", {"method": "phone"})
    assert twice.status_code == 409 and _field(twice) == "patient"

    counts = client.get(f"{API}/batches/{LOT}/recall", **site.headers()).json()
    assert {k: counts[k] for k in ("reached", "not_reached", "to_email", "to_call")} == {
        "reached": 1,
        "not_reached": 1,
        "to_email": 0,
        "to_call": 0,
    }
    rows = client.get(f"{API}/batches/{LOT}/recall/patients", **site.headers()).json()
    assert rows["count"] == 2
    first, second = rows["items"]
    assert (first["name"], first["reached"], first["emailed"], first["email_status"]) == (
        "Amal",
        False,
        True,
        "queued",
    )
    assert (second["name"], second["reached"], second["needs_call"], second["note"]) == (
        "Huda",
        True,
        True,
        "ok",
    )
    only = client.get(f"{API}/batches/{LOT}/recall/patients?reached=true", **site.headers()).json()
    assert [r["name"] for r in only["items"]] == ["Huda"] and only["count"] == 1
    reads = AuditEvent.objects.filter(action="read", object_type="recall")
    assert sorted(e.patient_id for e in reads) == sorted([amal.id, huda.id, huda.id])


def test_changes_are_audited_by_the_services(
    client: Client, recall_site: tuple[Site, Patient, Patient]
) -> None:
    site, amal, huda = recall_site
    _post(client, site, f"/batches/{LOT}/recall", {"reason": "notice"})
    _post(client, site, f"/batches/{LOT}/recall/patients/{amal.id}/email")
    _post(client, site, f"/batches/{LOT}/recall/patients/{huda.id}/reached", {"method": "in_person"})
    kinds = list(
        AuditEvent.objects.filter(action__in=("create", "update"), object_type__startswith="recall")
        .order_by("id")
        .values_list("object_type", "user_id")
    )
    user = site.staff.user.id
    expected = ["recall", "recall_email", "recall_email", "recall_contact"]
    assert kinds == [(kind, user) for kind in expected]


def test_bad_input_names_the_field(client: Client, recall_site: tuple[Site, Patient, Patient]) -> None:
    site, amal, huda = recall_site
    for body, field in (
        ({}, "reason"),
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
        ({"reason": "notice \x1b[2J"}, "reason"),  # no control character reaches a record or a terminal
        ({"reason": "x", "extra": 1}, "extra"),
    ):
        refused = _post(client, site, f"/batches/{LOT}/recall", body)
        assert refused.status_code == 422 and _field(refused) == field, (body, refused.content)
    blank = _post(client, site, f"/batches/{LOT}/recall", {"reason": "  "}).json()
    assert blank["errors"][0]["message"] == "must not be blank"  # not pydantic's "Value error, must …"
    assert blank["detail"] == "reason: must not be blank"
    early = _post(client, site, f"/batches/{LOT}/recall/emails")
    assert early.status_code == 409 and _field(early) == "lot"
    early = _post(client, site, f"/batches/{LOT}/recall/patients/{amal.id}/reached", {"method": "phone"})
    assert early.status_code == 409 and _field(early) == "lot"
    _post(client, site, f"/batches/{LOT}/recall", {"reason": "notice"})
    path = f"/batches/{LOT}/recall/patients/{amal.id}/reached"
    for body, field in (
        ({"method": "pigeon"}, "method"),
        ({}, "method"),
        ({"method": "phone", "note": "n" * 501}, "note"),
        ({"method": "phone", "note": "ok\x07"}, "note"),
    ):
        refused = _post(client, site, path, body)
        assert refused.status_code == 422 and _field(refused) == field, (body, refused.content)
    no_address = _post(client, site, f"/batches/{LOT}/recall/patients/{huda.id}/email")
    assert no_address.status_code == 409 and _field(no_address) == "patient"
    assert not RecallContact.objects.filter(contacted_at__isnull=False).exists()


def test_another_clinics_lot_or_patient_is_404(
    client: Client,
    recall_site: tuple[Site, Patient, Patient],
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    site, _, _ = recall_site
    other = make_site(lot="THEIR-LOT")
    bea = make_patient(other, name="Bea")
    make_treatment(other, bea)
    for path in ("/batches/THEIR-LOT/recall", f"/batches/{LOT}/recall/patients/{bea.id}/email"):
        assert _post(client, site, path, {"reason": "x"}).status_code == 404
    assert client.get(f"{API}/batches/THEIR-LOT/recall/patients", **site.headers()).status_code == 404
    _post(client, site, f"/batches/{LOT}/recall", {"reason": "notice"})
    theirs = _post(client, site, f"/batches/{LOT}/recall/patients/{bea.id}/reached", {"method": "phone"})
    assert theirs.status_code == 404 and theirs["Content-Type"] == PROBLEM
    assert not Recall.objects.filter(clinic=other.clinic).exists()
    # a patient of this clinic who did not receive the lot is named on `patient`
    sara = make_patient(site, name="Sara")
    refused = _post(client, site, f"/batches/{LOT}/recall/patients/{sara.id}/reached", {"method": "phone"})
    assert refused.status_code == 422 and _field(refused) == "patient"


@pytest.mark.django_db(transaction=True)  # the e-mails are queued when the transaction commits
def test_the_worker_sends_each_email_once(client: Client, recall_site: tuple[Site, Patient, Patient]) -> None:
    site, amal, _ = recall_site
    mail.outbox.clear()  # the treatments' own e-mails (the patient's link)
    _post(client, site, f"/batches/{LOT}/recall", {"reason": "notice"})
    _post(client, site, f"/batches/{LOT}/recall/emails")
    call_command("db_worker", batch=True, verbosity=0)
    assert [m.to for m in mail.outbox] == [[amal.email]]
    again = _post(client, site, f"/batches/{LOT}/recall/patients/{amal.id}/email")
    assert again.status_code == 200 and again.json()["email_status"] == "queued"
    call_command("db_worker", batch=True, verbosity=0)
    assert len(mail.outbox) == 2
    rows = client.get(f"{API}/batches/{LOT}/recall/patients", **site.headers()).json()["items"]
    [row] = [r for r in rows if r["patient_id"] == amal.id]
    assert row["email_status"] == "sent" and row["emailed_at"] is not None


def test_a_send_stuck_in_the_queue_is_sent_again(
    client: Client, recall_site: tuple[Site, Patient, Patient]
) -> None:
    site, amal, _ = recall_site
    _post(client, site, f"/batches/{LOT}/recall", {"reason": "notice"})  # its task is never queued here

    def amal_row() -> dict[str, Any]:
        rows = client.get(f"{API}/batches/{LOT}/recall/patients", **site.headers()).json()["items"]
        return next(r for r in rows if r["patient_id"] == amal.id)

    row = amal_row()
    assert row["email_status"] == "queued" and row["email_requested_at"] is not None
    assert row["email_stuck"] is False and row["can_send_again"] is False
    RecallContact.objects.update(email_requested_at=timezone.now() - timedelta(minutes=11))
    assert amal_row()["email_stuck"] is True and amal_row()["can_send_again"] is True
    again = _post(client, site, f"/batches/{LOT}/recall/patients/{amal.id}/email")
    assert again.status_code == 200 and again.json()["email_status"] == "queued"
    assert RecallContact.objects.get(patient=amal).email_requests == 1  # the same send, queued again
    assert amal_row()["email_stuck"] is False
    RecallContact.objects.filter(patient=amal).update(emails_sent=1)  # a worker took it: not doubled
    busy = _post(client, site, f"/batches/{LOT}/recall/patients/{amal.id}/email")
    assert busy.status_code == 409 and _field(busy) == "patient"


def test_reached_by_mistake_is_undone(client: Client, recall_site: tuple[Site, Patient, Patient]) -> None:
    site, _, huda = recall_site
    _post(client, site, f"/batches/{LOT}/recall", {"reason": "notice"})
    path = f"/batches/{LOT}/recall/patients/{huda.id}/not-reached"
    early = _post(client, site, path, {"contacted_at": "2026-01-01T00:00:00Z", "reason": "mistake"})
    assert early.status_code == 409 and _field(early) == "patient"
    marked = _post(client, site, f"/batches/{LOT}/recall/patients/{huda.id}/reached", {"method": "phone"})
    seen = marked.json()["contacted_at"]
    for body, field in (
        ({"contacted_at": seen}, "reason"),
        ({"contacted_at": seen, "reason": " "}, "reason"),
        ({"reason": "mistake"}, "contacted_at"),
        ({"contacted_at": "2026-01-01T00:00:00", "reason": "mistake"}, "contacted_at"),  # no offset
        ({"contacted_at": "9999-12-31T23:59:59.999+00:00", "reason": "x"}, "contacted_at"),  # was a 500
        ({"contacted_at": "0001-01-01T00:00:00+14:00", "reason": "x"}, "contacted_at"),
        ({"contacted_at": 1700000000, "reason": "x"}, "contacted_at"),
    ):
        refused = _post(client, site, path, body)
        assert refused.status_code == 422 and _field(refused) == field, (body, refused.content)
    since = _post(client, site, path, {"contacted_at": "2026-01-01T00:00:00Z", "reason": "mistake"})
    assert since.status_code == 409 and _field(since) == "contacted_at"
    undone = _post(client, site, path, {"contacted_at": seen, "reason": "called the wrong Huda"})
    assert undone.status_code == 200, undone.content
    assert undone.json()["contacted_at"] is None and undone.json()["method"] == ""
    counts = client.get(f"{API}/batches/{LOT}/recall", **site.headers()).json()
    assert counts["reached"] == 0 and counts["not_reached"] == 2 and counts["to_call"] == 1
    event = AuditEvent.objects.filter(object_type="recall_contact").latest("id")
    assert event.detail["reason"] == "called the wrong Huda"  # type: ignore[index]
    assert event.detail["undone"]["method"] == "phone"  # type: ignore[index]
