"""The audit row's HTTP method: the request's when one is being answered, empty otherwise (CLI, workers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.audit.services import METHOD_LENGTH, during_request, event_fields, record
from mesosafe.checkins import store
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import submit
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers


def _methods() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("method", flat=True))


def test_a_row_outside_a_request_has_no_method(site: Site) -> None:
    record(site.clinic.id, None, "read", "patient", [1], actor="operator")
    assert _methods() == [""]


def test_a_row_inside_a_request_has_its_method_and_only_there(site: Site) -> None:
    with during_request("POST"):
        record(site.clinic.id, site.staff.user, "create", "patient", [1, 2], 1)
        with during_request("GET"):
            record(site.clinic.id, site.staff.user, "read", "patient", [1], 1)
        record(site.clinic.id, site.staff.user, "update", "patient", [1], 1)
    record(site.clinic.id, None, "read", "patient", [1])
    assert _methods() == ["POST", "POST", "GET", "POST", ""]


def test_a_method_longer_than_the_column_is_cut(site: Site) -> None:
    """A client may send any token as its method: the row is still written, the method cut (PostgreSQL
    refuses a value longer than the column)."""
    with during_request("X" * 100):
        record(site.clinic.id, None, "read", "patient", [1])
    assert _methods() == ["X" * METHOD_LENGTH]


def test_nothing_is_left_for_what_runs_after_a_request(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    assert client.get(f"{API}/patients/{patient.id}", **site.headers()).status_code == 200
    record(site.clinic.id, None, "read", "patient", [patient.id], actor="operator")
    assert _methods()[-2:] == ["GET", ""]


@pytest.mark.parametrize("method", ["", "POST"])
def test_the_check_ins_own_statement_writes_the_row_record_writes(
    method: str, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """store.insert writes the check-in's audit row in the check-in's statement on PostgreSQL and with
    `record` elsewhere: the same columns (`event_fields`), the method among them."""
    treatment, _ = make_treatment(site, make_patient(site))
    checkin = CheckIn(
        treatment=treatment,
        link=treatment.link,
        submitted_at=timezone.now(),
        days_since_treatment=2.0,
        answers={"symptoms": []},
        disposition="self_care",
        disposition_rank=0,
        reasons=[],
        next_session_ok=True,
        kb_version="kb-test",
    )
    with during_request(method):
        store.insert(checkin, treatment.patient.clinic_id, treatment.patient_id)
        expected = event_fields(treatment.patient.clinic_id, None, "create", "checkin", treatment.patient_id)
    event = AuditEvent.objects.get(object_type="checkin")
    assert {name: getattr(event, name) for name in expected} == {**expected, "actor": "patient"}
    assert event.method == method and event.object_id == str(checkin.id)


def test_a_patients_check_in_and_photo_are_audited_with_post(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site))
    body = {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]}
    sent = client.post(
        f"{API}/patient/checkins", body, content_type="application/json", **link_headers(token)
    )
    assert sent.status_code == 201, sent.content
    events = AuditEvent.objects.filter(object_type="checkin", actor="patient")
    assert list(events.values_list("method", flat=True)) == ["POST"]


def test_a_service_called_outside_a_request_records_no_method(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site))
    submit(treatment.link, {"symptoms": []})
    assert list(AuditEvent.objects.filter(object_type="checkin").values_list("method", flat=True)) == [""]
