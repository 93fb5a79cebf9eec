"""Complication records (staff key)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from mesosafe.api import out
from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.checkins import checkin_or_404
from mesosafe.api.common import get_or_404, page, responses
from mesosafe.api.patients import audit
from mesosafe.api.schemas import (
    ComplicationIn,
    ComplicationOut,
    ComplicationPage,
    ComplicationPatch,
    PageQuery,
)
from mesosafe.api.treatments import treatment_or_404
from mesosafe.complications import services
from mesosafe.complications.models import Complication

router = Router(auth=staff_key, tags=["complications"])


def clinic_complications(request: HttpRequest) -> QuerySet[Complication]:
    return Complication.objects.filter(
        treatment__patient__clinic_id=staff_of(request).clinic_id
    ).select_related("treatment")


def _data(body: ComplicationIn) -> services.ComplicationData:
    values = body.model_dump()
    values["serious_reason"] = values["serious_reason"] or ""
    return services.ComplicationData(**values)


@router.get("/complications", response=responses({200: ComplicationPage}))
def list_complications(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    result = page(clinic_complications(request), q, out.complication)
    for item in result["items"]:
        audit(request, "read", "complication", [item["id"]], item["patient_id"])
    return result


@router.post("/treatments/{treatment_id}/complications", response=responses({201: ComplicationOut}))
def create_complication(
    request: HttpRequest, treatment_id: int, body: ComplicationIn
) -> Status[dict[str, Any]]:
    treatment = treatment_or_404(request, treatment_id)
    complication = services.create(treatment, _data(body), by=staff_of(request).user)
    audit(request, "create", "complication", [complication.id], treatment.patient_id)
    return Status(201, out.complication(complication))


@router.post("/checkins/{checkin_id}/complications", response=responses({201: ComplicationOut}))
def create_from_checkin(
    request: HttpRequest, checkin_id: int, body: ComplicationIn
) -> Status[dict[str, Any]]:
    checkin = checkin_or_404(request, checkin_id)
    complication = services.create(checkin.treatment, _data(body), by=staff_of(request).user, checkin=checkin)
    audit(request, "create", "complication", [complication.id], checkin.treatment.patient_id)
    return Status(201, out.complication(complication))


@router.get("/complications/{complication_id}", response=responses({200: ComplicationOut}))
def get_complication(request: HttpRequest, complication_id: int) -> dict[str, Any]:
    complication = get_or_404(clinic_complications(request), complication_id)
    audit(request, "read", "complication", [complication.id], complication.treatment.patient_id)
    return out.complication(complication)


@router.patch("/complications/{complication_id}", response=responses({200: ComplicationOut}))
def update_complication(
    request: HttpRequest, complication_id: int, body: ComplicationPatch
) -> dict[str, Any]:
    complication = get_or_404(clinic_complications(request), complication_id)
    changes = body.model_dump(exclude_unset=True)
    if "serious_reason" in changes:
        changes["serious_reason"] = changes["serious_reason"] or ""
    for name in (
        "grade",
        "serious",
        "outcome",
        "relatedness",
        "suspected_infection",
        "reported_to_regulator",
        "action_taken",
    ):
        if name in changes and changes[name] is None:
            changes.pop(name)
    services.update(complication, changes)
    audit(request, "update", "complication", [complication.id], complication.treatment.patient_id)
    return out.complication(complication)
