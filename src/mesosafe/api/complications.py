"""Complication records (staff key)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.checkins import checkin_or_404
from mesosafe.api.common import audit_read, get_or_404, page, responses
from mesosafe.api.schemas import ComplicationOut, ComplicationPage, PageQuery
from mesosafe.api.treatments import treatment_or_404
from mesosafe.complications import icsr, services
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn, ComplicationPatch

router = Router(auth=staff_key, tags=["complications"])


def clinic_complications(request: HttpRequest) -> QuerySet[Complication]:
    return Complication.objects.for_clinic(staff_of(request).clinic_id).select_related("treatment__patient")


@router.get("/complications", response=responses({200: ComplicationPage}))
def list_complications(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    result = page(clinic_complications(request), q, Complication.to_dict)
    for item in result["items"]:
        audit_read(request, "complication", [item["id"]], item["patient_id"])
    return result


@router.post("/treatments/{treatment_id}/complications", response=responses({201: ComplicationOut}))
def create_complication(
    request: HttpRequest, treatment_id: int, body: ComplicationIn
) -> Status[dict[str, Any]]:
    treatment = treatment_or_404(request, treatment_id)
    complication = services.create(treatment, body, by=staff_of(request).user)
    return Status(201, complication.to_dict())


@router.post("/checkins/{checkin_id}/complications", response=responses({201: ComplicationOut}))
def create_from_checkin(
    request: HttpRequest, checkin_id: int, body: ComplicationIn
) -> Status[dict[str, Any]]:
    checkin = checkin_or_404(request, checkin_id)
    complication = services.create(checkin.treatment, body, by=staff_of(request).user, checkin=checkin)
    return Status(201, complication.to_dict())


@router.get("/complications/{complication_id}", response=responses({200: ComplicationOut}))
def get_complication(request: HttpRequest, complication_id: int) -> dict[str, Any]:
    complication = get_or_404(clinic_complications(request), complication_id)
    audit_read(request, "complication", [complication.id], complication.treatment.patient_id)
    return complication.to_dict()


@router.patch("/complications/{complication_id}", response=responses({200: ComplicationOut}))
def update_complication(
    request: HttpRequest, complication_id: int, body: ComplicationPatch
) -> dict[str, Any]:
    complication = get_or_404(clinic_complications(request), complication_id)
    services.update(complication, body, by=staff_of(request).user)
    return complication.to_dict()


@router.get(
    "/complications/{complication_id}/icsr",
    response=responses({200: None}),
    openapi_extra={
        "responses": {200: {"description": "an ICH E2B(R3) ICSR", "content": {"application/xml": {}}}}
    },
)
def get_icsr(request: HttpRequest, complication_id: int) -> HttpResponse:
    """The complication as an ICH E2B(R3) case report (a 422 names a field the regional minimum lacks)."""
    complication = get_or_404(clinic_complications(request), complication_id)
    xml = icsr.icsr_xml(complication)
    audit_read(request, "complication_icsr", [complication.id], complication.treatment.patient_id)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{icsr.report_id(complication)}.xml"'
    response["Cache-Control"] = "private, no-store"
    return response
