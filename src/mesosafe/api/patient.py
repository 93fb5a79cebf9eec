"""The patient's own endpoints, authenticated by their private link token. A pre-treatment link may only
send a screening; every other endpoint answers 404 for it."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import File, Header, Router, Status
from ninja.files import UploadedFile

from mesosafe.api.auth import link_of, patient_checkin, patient_link, patient_of_link
from mesosafe.api.common import IDEMPOTENCY_KEY, get_or_404, responses
from mesosafe.api.schemas import CheckInOut, PatientMeOut, PhotoOut, Problem, ScreeningOut
from mesosafe.checkins import photos
from mesosafe.checkins import services as checkins
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.schemas import CheckInBody
from mesosafe.engines import Intake
from mesosafe.engines.calendar import to_ics
from mesosafe.engines.results import AftercarePlan
from mesosafe.knowledge import Lang
from mesosafe.lib.problems import field_problem
from mesosafe.patients.services import run_screening
from mesosafe.treatments.services import plan_due

router = Router(auth=patient_link, tags=["patient"])

IdempotencyKey = Annotated[str | None, Header(**IDEMPOTENCY_KEY)]  # the rules every key follows


@router.get("/patient/me", response=responses({200: PatientMeOut}))
def me(request: HttpRequest) -> dict[str, Any]:
    treatment = link_of(request).treatment
    patient = treatment.patient
    clinic = patient.clinic
    recent = list(treatment.checkins.prefetch_related("photos").order_by("-submitted_at", "-id")[:20])
    return {
        "treatment": {
            "performed_at": treatment.performed_at,
            "areas": treatment.areas,
            "clinic": clinic.name,
            "clinic_phone": clinic.phone,
            "emergency_number": clinic.emergency_number,
            "language": patient.preferred_language,
        },
        "aftercare": treatment.aftercare,
        "checkins_due": [scheduled.to_dict() for scheduled in plan_due(treatment)],
        "checkins": [checkin.to_dict() for checkin in recent],
        "next_session_ok": recent[0].next_session_ok if recent else None,
    }


@router.get(
    "/patient/aftercare.ics",
    response=responses({200: None}),
    openapi_extra={"responses": {200: {"description": "iCalendar file", "content": {"text/calendar": {}}}}},
)
def aftercare_ics(request: HttpRequest) -> HttpResponse:
    treatment = link_of(request).treatment
    plan = AftercarePlan.model_validate(treatment.aftercare)
    body = to_ics(plan, Lang(treatment.patient.preferred_language))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="aftercare.ics"'
    return response


@router.post("/patient/screening", response=responses({201: ScreeningOut}))
def patient_screening(request: HttpRequest, body: Intake) -> Status[dict[str, Any]]:
    patient = patient_of_link(request)
    return Status(201, run_screening(patient, body.model_dump(mode="json")).to_dict())


# A photo the storage could not write: 507 when it has no room, 503 for any other failure
NOT_SAVED = {True: 507, False: 503}


@router.post(
    "/patient/checkins/{checkin_id}/photos",
    response=responses({201: PhotoOut, 503: Problem, 507: Problem}),
)
def add_photo(request: HttpRequest, checkin_id: int, photo: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Attach a photo (JPEG, PNG or WebP, at most 8 MB) to a check-in of this link, metadata removed. A
    refusal's message is in the patient's language. When the server cannot store it (its disk full: 507;
    any other storage failure: 503) the answer names `photo`; the check-in itself is kept as it was."""
    link = link_of(request)
    checkin = get_or_404(CheckIn.objects.filter(treatment_id=link.treatment_id), checkin_id)
    with translation.override(link.treatment.patient.preferred_language):
        # ninja reads the first file: any other was dropped without a word
        if sum(len(files) for _name, files in request.FILES.lists()) > 1:
            raise field_problem("photo", _("Send one photo at a time."), 422)
        try:
            stored = photos.attach(checkin, photo)
        except photos.PhotoNotSaved as exc:
            raise field_problem("photo", not_saved(), NOT_SAVED[exc.full]) from None
    return Status(201, stored.to_dict())


def not_saved() -> str:
    return _(
        "The photo could not be saved, because of a problem on the clinic's server. Your check-in is kept. "
        "Please try again later; your clinic can also ask you for the photo."
    )


@router.post("/patient/checkins", auth=patient_checkin, response=responses({201: CheckInOut}))
def submit_checkin(
    request: HttpRequest, body: CheckInBody, idempotency_key: IdempotencyKey = None
) -> Status[dict[str, Any]]:
    """Triage and store a check-in. A retry with the same Idempotency-Key answers with the stored one. Not
    refused by the link's request limit: past MESOSAFE_CHECKINS_PER_HOUR only a check-in that needs no clinic
    contact is refused (429); an escalated one is always stored."""
    link = link_of(request)
    answers = body.model_dump(mode="json", exclude_unset=True)
    stored, created = checkins.submit(link, answers, idempotency_key, hourly_limit=True)
    return Status(201, stored.to_dict(photo_ids=[] if created else None))  # a new one has none yet
