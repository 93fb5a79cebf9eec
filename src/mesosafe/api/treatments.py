"""Treatments and their private links (staff key)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.common import StaffIdempotencyKey, audit_read, get_or_404, page, responses
from mesosafe.api.patients import patient_or_404
from mesosafe.api.schemas import LinkOut, NewLinkOut, NewTreatmentOut, PageQuery, TreatmentOut, TreatmentPage
from mesosafe.treatments.models import Treatment
from mesosafe.treatments.schemas import TreatmentIn
from mesosafe.treatments.services import record_treatment, reissue_link, revoke_link

router = Router(auth=staff_key, tags=["treatments"])


def clinic_treatments(request: HttpRequest) -> QuerySet[Treatment]:
    return Treatment.objects.for_clinic(staff_of(request).clinic_id).select_related("screening")


def treatment_or_404(request: HttpRequest, treatment_id: int) -> Treatment:
    return get_or_404(clinic_treatments(request).select_related("patient__clinic"), treatment_id)


@router.post("/patients/{patient_id}/treatments", response=responses({201: NewTreatmentOut}))
def create_treatment(
    request: HttpRequest, patient_id: int, body: TreatmentIn, idempotency_key: StaffIdempotencyKey = None
) -> Status[dict[str, Any]]:
    """Record a treatment: aftercare plan, check-in schedule and reminders, and the patient's private link,
    whose token is in `new_link` (shown once) and e-mailed to the patient. A retry with the same
    `Idempotency-Key` answers with the treatment first recorded and `new_link` null: its token was in the
    first answer only (reissue the link for a new one)."""
    patient = patient_or_404(request, patient_id)
    treatment, token = record_treatment(
        patient, body, by=staff_of(request).user, idempotency_key=idempotency_key
    )
    if not token:  # a retry: the treatment recorded earlier, read again
        audit_read(request, "treatment", [treatment.id], patient.id)
    new_link = treatment.link.to_dict(token) if token else None
    return Status(201, {**treatment.to_dict(), "new_link": new_link})


@router.get("/patients/{patient_id}/treatments", response=responses({200: TreatmentPage}))
def list_treatments(request: HttpRequest, patient_id: int, q: Query[PageQuery]) -> dict[str, Any]:
    patient = patient_or_404(request, patient_id)
    result = page(clinic_treatments(request).filter(patient=patient), q, Treatment.to_dict)
    audit_read(request, "treatment", [t["id"] for t in result["items"]], patient.id)
    return result


@router.get("/treatments/{treatment_id}", response=responses({200: TreatmentOut}))
def get_treatment(request: HttpRequest, treatment_id: int) -> dict[str, Any]:
    treatment = treatment_or_404(request, treatment_id)
    audit_read(request, "treatment", [treatment.id], treatment.patient_id)
    return treatment.to_dict()


@router.post("/treatments/{treatment_id}/link/revoke", response=responses({200: LinkOut}))
def revoke(request: HttpRequest, treatment_id: int) -> dict[str, Any]:
    treatment = treatment_or_404(request, treatment_id)
    return revoke_link(treatment, by=staff_of(request).user).to_dict()


@router.post("/treatments/{treatment_id}/link/reissue", response=responses({201: NewLinkOut}))
def reissue(request: HttpRequest, treatment_id: int) -> Status[dict[str, Any]]:
    treatment = treatment_or_404(request, treatment_id)
    token = reissue_link(treatment, by=staff_of(request).user)
    return Status(201, treatment.link.to_dict(token))
