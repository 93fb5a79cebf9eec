"""Check-ins seen by staff: per treatment, the review queue, acknowledgement and its undoing (staff key)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Query, Router

from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.common import audit_read, get_or_404, page, responses
from mesosafe.api.schemas import CheckInOut, CheckInPage, PageQuery
from mesosafe.api.treatments import treatment_or_404
from mesosafe.checkins import photos
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.schemas import AcknowledgeIn, ReopenIn
from mesosafe.checkins.services import acknowledge, return_to_queue, review_queue
from mesosafe.errors import conflict

router = Router(auth=staff_key, tags=["check-ins"])


def clinic_checkins(request: HttpRequest) -> QuerySet[CheckIn]:
    return CheckIn.objects.for_clinic(staff_of(request).clinic_id).select_related("treatment__patient")


def checkin_or_404(request: HttpRequest, checkin_id: int) -> CheckIn:
    return get_or_404(clinic_checkins(request), checkin_id)


def _audit_reads(request: HttpRequest, result: dict[str, Any], patients: dict[int, int]) -> None:
    for item in result["items"]:
        audit_read(request, "checkin", [item["id"]], patients.get(item["treatment_id"]))


@router.get("/treatments/{treatment_id}/checkins", response=responses({200: CheckInPage}))
def list_checkins(request: HttpRequest, treatment_id: int, q: Query[PageQuery]) -> dict[str, Any]:
    treatment = treatment_or_404(request, treatment_id)
    result = page(treatment.checkins.prefetch_related("photos"), q, CheckIn.to_dict)
    _audit_reads(request, result, {treatment.id: treatment.patient_id})
    return result


@router.get("/review-queue", response=responses({200: CheckInPage}))
def get_review_queue(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    queue = review_queue(staff_of(request).clinic)
    result = page(queue.prefetch_related("photos"), q, CheckIn.to_dict)
    patients = dict(queue.values_list("treatment_id", "treatment__patient_id"))
    _audit_reads(request, result, patients)
    return result


@router.get("/checkins/{checkin_id}", response=responses({200: CheckInOut}))
def get_checkin(request: HttpRequest, checkin_id: int) -> dict[str, Any]:
    checkin = checkin_or_404(request, checkin_id)
    audit_read(request, "checkin", [checkin.id], checkin.treatment.patient_id)
    return checkin.to_dict()


@router.get(
    "/checkins/{checkin_id}/photos/{photo_id}",
    response=responses({200: None}),
    openapi_extra={"responses": {200: {"description": "the photo", "content": {"image/*": {}}}}},
)
def get_photo(request: HttpRequest, checkin_id: int, photo_id: int) -> FileResponse:
    checkin = checkin_or_404(request, checkin_id)
    photo = get_or_404(checkin.photos.all(), photo_id)
    audit_read(request, "photo", [photo.id], checkin.treatment.patient_id)
    return photos.response(photo)


@router.post("/checkins/{checkin_id}/acknowledge", response=responses({200: CheckInOut}))
def acknowledge_checkin(request: HttpRequest, checkin_id: int, body: AcknowledgeIn) -> dict[str, Any]:
    checkin = checkin_or_404(request, checkin_id)
    if not acknowledge(checkin, staff_of(request).user, body.note):
        raise conflict("checkin_id", "this check-in was already reviewed")
    return checkin.to_dict()


@router.post("/checkins/{checkin_id}/reopen", response=responses({200: CheckInOut}))
def reopen_checkin(request: HttpRequest, checkin_id: int, body: ReopenIn) -> dict[str, Any]:
    """Return an acknowledged check-in to the review queue, with the reason (audited)."""
    checkin = checkin_or_404(request, checkin_id)
    if not return_to_queue(staff_of(request), checkin, body.reviewed_at, body.reason):
        raise conflict("reviewed_at", "this check-in is not reviewed, or was reviewed again since")
    return checkin.to_dict()
