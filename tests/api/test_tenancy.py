"""Staff of one clinic get 404 for every object of another clinic, through every API route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from mesosafe.api.main import api
from mesosafe.checkins.models import Photo
from mesosafe.checkins.services import submit
from mesosafe.complications.models import Complication
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site

TODAY = str(timezone.now().date())
# A valid body per route, so that the request reaches the object lookup.
BODIES: dict[str, dict[str, Any]] = {
    "/patients/{patient_id}/screenings": {"age": 30},
    "/patients/{patient_id}/treatments": {"practitioner_id": 1, "performed_at": "2026-01-01T10:00:00Z"},
    "/checkins/{checkin_id}/acknowledge": {"note": "x"},
    "/checkins/{checkin_id}/reopen": {"reviewed_at": "2026-01-01T00:00:00Z", "reason": "x"},
    "/treatments/{treatment_id}/complications": {"onset_date": TODAY, "grade": 1, "relatedness": "unlikely"},
    "/checkins/{checkin_id}/complications": {"onset_date": TODAY, "grade": 1, "relatedness": "unlikely"},
    "/complications/{complication_id}": {"action_taken": "x"},
    "/batches/{lot}/recall": {"reason": "x"},
    "/batches/{lot}/recall/patients/{patient_id}/reached": {"method": "phone"},
    "/batches/{lot}/recall/patients/{patient_id}/not-reached": {
        "contacted_at": "2026-01-01T00:00:00Z",
        "reason": "x",
    },
}


def routes() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if {"StaffKey": []} in operation.get("security", []):
                found.append((method, path.removeprefix(API)))
    return found


@pytest.fixture
def two_clinics(
    make_site: Callable[..., Site], make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> tuple[Site, dict[str, Any]]:
    mine, theirs = make_site(), make_site()
    make_treatment(mine, make_patient(mine))  # so that lists are not trivially empty
    patient = make_patient(theirs)
    treatment, _ = make_treatment(theirs, patient)
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "pus"}]})
    complication = Complication.objects.create(
        treatment=treatment,
        onset_date=timezone.now().date(),
        grade=2,
        relatedness="possibly",
        created_by=theirs.staff.user,
    )
    photo = Photo.objects.create(checkin=checkin, image=SimpleUploadedFile("p.png", b"x"))
    ids = {
        "patient_id": patient.id,
        "treatment_id": treatment.id,
        "checkin_id": checkin.id,
        "complication_id": complication.id,
        "lot": theirs.batch.lot_number,
        "photo_id": photo.id,
    }
    return mine, ids


def test_every_staff_route_is_covered() -> None:
    assert len(routes()) >= 20


def test_objects_of_another_clinic_are_404_everywhere(
    client: Client, two_clinics: tuple[Site, dict[str, Any]]
) -> None:
    mine, theirs = two_clinics
    checked = 0
    for method, template in routes():
        if "{" not in template:
            continue
        path = template.format(**theirs)
        body = BODIES.get(template, {})
        call = getattr(client, method)
        response = (
            call(f"{API}{path}", body, content_type="application/json", **mine.headers())
            if method not in ("get", "head")
            else call(f"{API}{path}", **mine.headers())  # the test client sends a GET's data as its query
        )
        assert response.status_code == 404, (method, template, response.content)
        assert response["Content-Type"] == "application/problem+json"
        checked += 1
    assert checked >= 14


def test_lists_show_only_the_callers_clinic(client: Client, two_clinics: tuple[Site, dict[str, Any]]) -> None:
    mine, theirs = two_clinics
    for method, template in routes():
        if method != "get" or "{" in template:
            continue
        items = client.get(f"{API}{template}", **mine.headers()).json()["items"]
        for item in items:
            assert item.get("patient_id") != theirs["patient_id"], template
            assert item.get("treatment_id") != theirs["treatment_id"], template
            assert item.get("lot_number") != theirs["lot"], template
            if template == "/patients":
                assert item["id"] != theirs["patient_id"]
