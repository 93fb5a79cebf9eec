"""Patients, their screenings and next-session eligibility (staff key)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.common import StaffIdempotencyKey, audit_read, get_or_404, page, responses
from mesosafe.api.schemas import (
    EligibilityOut,
    LinkOut,
    NewLinkOut,
    PageQuery,
    PatientDetailOut,
    PatientOut,
    PatientPage,
    ScreeningOut,
    ScreeningPage,
)
from mesosafe.complications.eligibility import next_session
from mesosafe.engines import Intake
from mesosafe.lib.problems import not_found
from mesosafe.patients import services
from mesosafe.patients.models import Patient, Screening
from mesosafe.patients.schemas import PatientIn
from mesosafe.patients.services import gating_screening, latest_screening, needs_override, run_screening
from mesosafe.treatments.services import issue_screening_link, revoke_screening_link

router = Router(auth=staff_key, tags=["patients"])


def clinic_patients(request: HttpRequest) -> QuerySet[Patient]:
    return Patient.objects.for_clinic(staff_of(request).clinic_id)


def patient_or_404(request: HttpRequest, patient_id: int) -> Patient:
    patient = get_or_404(clinic_patients(request).select_related("clinic"), patient_id)
    return patient


@router.get("/patients", response=responses({200: PatientPage}))
def list_patients(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    result = page(clinic_patients(request).order_by("name", "id"), q, Patient.to_dict)
    for item in result["items"]:
        audit_read(request, "patient", [item["id"]], item["id"])
    return result


@router.post("/patients", response=responses({201: PatientOut}))
def create_patient(
    request: HttpRequest, body: PatientIn, idempotency_key: StaffIdempotencyKey = None
) -> Status[dict[str, Any]]:
    """Add a patient to the clinic. A retry with the same `Idempotency-Key` answers with the patient first
    added."""
    patient, created = services.add_patient(staff_of(request), body, idempotency_key)
    if not created:  # a retry: the patient added earlier, read again
        audit_read(request, "patient", [patient.id], patient.id)
    return Status(201, patient.to_dict())


@router.get("/patients/{patient_id}", response=responses({200: PatientDetailOut}))
def get_patient(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """The patient with their latest screening; `needs_override` warns before a treatment is recorded, from
    `gating_screening` (a patient's own milder answers do not lift the clinic's restriction)."""
    patient = patient_or_404(request, patient_id)
    latest, gating = latest_screening(patient), gating_screening(patient)
    audit_read(request, "patient", [patient.id], patient.id)
    audit_read(request, "screening", sorted({s.id for s in (latest, gating) if s is not None}), patient.id)
    return {
        **patient.to_dict(),
        "latest_screening": latest.to_dict() if latest else None,
        "gating_screening": gating.to_dict() if gating else None,
        "needs_override": needs_override(gating),
    }


@router.post("/patients/{patient_id}/screenings", response=responses({201: ScreeningOut}))
def create_screening(request: HttpRequest, patient_id: int, body: Intake) -> Status[dict[str, Any]]:
    patient = patient_or_404(request, patient_id)
    screening = run_screening(patient, body.model_dump(mode="json"), by=staff_of(request).user)
    return Status(201, screening.to_dict())


@router.get("/patients/{patient_id}/screenings", response=responses({200: ScreeningPage}))
def list_screenings(request: HttpRequest, patient_id: int, q: Query[PageQuery]) -> dict[str, Any]:
    patient = patient_or_404(request, patient_id)
    result = page(patient.screenings.all(), q, Screening.to_dict)
    audit_read(request, "screening", [s["id"] for s in result["items"]], patient.id)
    return result


@router.get("/patients/{patient_id}/next-session", response=responses({200: EligibilityOut}))
def get_next_session(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    patient = patient_or_404(request, patient_id)
    verdict = next_session(patient)
    audit_read(request, "eligibility", [patient.id], patient.id)
    return {
        "patient_id": patient.id,
        "next_session_ok": verdict.ok,
        "reasons": verdict.reasons,
        "latest_checkin_id": verdict.latest_checkin_id,
        "open_complication_ids": verdict.open_complication_ids,
        "unreviewed_checkin_ids": verdict.unreviewed_checkin_ids,
    }


@router.post("/patients/{patient_id}/screening-link", response=responses({201: NewLinkOut}))
def create_screening_link(request: HttpRequest, patient_id: int) -> Status[dict[str, Any]]:
    """A pre-treatment link (screening and FAQ only) for a patient with no treatment yet; the token is
    returned once and emailed if the patient has an email address. Any previous one stops working."""
    patient = patient_or_404(request, patient_id)
    link, token = issue_screening_link(patient, by=staff_of(request).user)
    return Status(201, link.to_dict(token))


@router.post("/patients/{patient_id}/screening-link/revoke", response=responses({200: LinkOut}))
def revoke_patient_screening_link(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    patient = patient_or_404(request, patient_id)
    link = revoke_screening_link(patient, by=staff_of(request).user)
    if link is None:
        raise not_found()
    return link.to_dict()
