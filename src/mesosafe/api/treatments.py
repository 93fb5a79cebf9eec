"""Treatments and their private links (staff key)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from mesosafe.api import out
from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.common import get_or_404, page, responses
from mesosafe.api.patients import audit, patient_or_404
from mesosafe.api.schemas import (
    LinkOut,
    NewLinkOut,
    NewTreatmentOut,
    PageQuery,
    TreatmentIn,
    TreatmentOut,
    TreatmentPage,
)
from mesosafe.treatments.models import CheckinLink, Treatment
from mesosafe.treatments.services import (
    ProductLine,
    TreatmentRecord,
    record_treatment,
    reissue_link,
    revoke_link,
)

router = Router(auth=staff_key, tags=["treatments"])


def clinic_treatments(request: HttpRequest) -> QuerySet[Treatment]:
    return Treatment.objects.filter(patient__clinic_id=staff_of(request).clinic_id).select_related(
        "screening"
    )


def treatment_or_404(request: HttpRequest, treatment_id: int) -> Treatment:
    return get_or_404(clinic_treatments(request).select_related("patient__clinic"), treatment_id)


@router.post("/patients/{patient_id}/treatments", response=responses({201: NewTreatmentOut}))
def create_treatment(request: HttpRequest, patient_id: int, body: TreatmentIn) -> Status[dict[str, Any]]:
    patient = patient_or_404(request, patient_id)
    entry = TreatmentRecord(
        practitioner_id=body.practitioner_id,
        performed_at=body.performed_at,
        areas=body.areas,
        technique=body.technique,
        injection_depth=body.injection_depth,
        anaesthetic=body.anaesthetic,
        products=[ProductLine(p.batch_id, p.volume_ml, p.concentration, p.area) for p in body.products],
        override_reason=body.override_reason,
    )
    treatment, token = record_treatment(patient, entry, by=staff_of(request).user)
    audit(request, "create", "treatment", [treatment.id], patient.id)
    return Status(201, {**out.treatment(treatment), "new_link": out.new_link(treatment.link, token)})


@router.get("/patients/{patient_id}/treatments", response=responses({200: TreatmentPage}))
def list_treatments(request: HttpRequest, patient_id: int, q: Query[PageQuery]) -> dict[str, Any]:
    patient = patient_or_404(request, patient_id)
    result = page(clinic_treatments(request).filter(patient=patient), q, out.treatment)
    audit(request, "read", "treatment", [t["id"] for t in result["items"]], patient.id)
    return result


@router.get("/treatments/{treatment_id}", response=responses({200: TreatmentOut}))
def get_treatment(request: HttpRequest, treatment_id: int) -> dict[str, Any]:
    treatment = treatment_or_404(request, treatment_id)
    audit(request, "read", "treatment", [treatment.id], treatment.patient_id)
    return out.treatment(treatment)


@router.post("/treatments/{treatment_id}/link/revoke", response=responses({200: LinkOut}))
def revoke(request: HttpRequest, treatment_id: int) -> dict[str, Any]:
    treatment = treatment_or_404(request, treatment_id)
    revoke_link(treatment)
    audit(request, "update", "link", [treatment.id], treatment.patient_id)
    return out.link(CheckinLink.objects.get(treatment=treatment))


@router.post("/treatments/{treatment_id}/link/reissue", response=responses({201: NewLinkOut}))
def reissue(request: HttpRequest, treatment_id: int) -> Status[dict[str, Any]]:
    treatment = treatment_or_404(request, treatment_id)
    token = reissue_link(treatment)
    audit(request, "update", "link", [treatment.id], treatment.patient_id)
    return Status(201, out.new_link(CheckinLink.objects.get(treatment=treatment), token))
