"""The API's two ways in: a staff member's API key or a patient's link token, each rate-limited."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from mesosafe.clinics.models import Staff
from mesosafe.clinics.services import staff_for_key
from mesosafe.lib.problems import Problem
from mesosafe.lib.ratelimit import failed_lookup_over_limit, over_limit
from mesosafe.lib.tokens import digest
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import CheckinLink, ScreeningLink
from mesosafe.treatments.services import any_link_for_token


class StaffKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Staff | None:
        staff = staff_for_key(token)
        limit = settings.MESOSAFE_STAFF_RATE
        if staff is not None and over_limit(f"rate:key:{digest(token)[:32]}", limit):
            raise Problem(
                429,
                "too many requests with this API key; try again in a minute",
                [{"field": "Authorization", "message": f"at most {limit} requests a minute per API key"}],
            )
        return staff


class PatientLink(HttpBearer):
    """A usable link token (treatment or pre-treatment); anything else (unknown, expired, revoked) is a
    bare 404, and a 429 once its address has sent too many of those. Past MESOSAFE_PATIENT_RATE requests a
    minute on one token its requests get 429, except where `limited` is off: sending a check-in, which the
    token's request count must never refuse (an emergency would be lost); the check-in service's own hourly
    limit refuses a flood of check-ins that need no clinic contact and never an escalated one."""

    def __init__(self, limited: bool = True) -> None:
        super().__init__()
        self.limited = limited

    def authenticate(self, request: HttpRequest, token: str) -> CheckinLink | ScreeningLink | None:
        if self.limited and over_limit(f"rate:tok:{digest(token)[:32]}", settings.MESOSAFE_PATIENT_RATE):
            raise Problem(429, "too many requests; try again in a minute")
        link = any_link_for_token(token)
        if link is None:
            if failed_lookup_over_limit(request):
                raise Problem(429, "too many requests; try again in a minute")
            raise Problem(404)
        return link


staff_key = StaffKey()
patient_link = PatientLink()
patient_checkin = PatientLink(limited=False)  # sending a check-in: see PatientLink


def staff_of(request: HttpRequest) -> Staff:
    staff: Staff = request.auth  # type: ignore[attr-defined]
    return staff


def link_of(request: HttpRequest) -> CheckinLink:
    """The caller's treatment link; a pre-treatment link has no treatment, so these endpoints are 404."""
    link: CheckinLink | ScreeningLink = request.auth  # type: ignore[attr-defined]
    if isinstance(link, ScreeningLink):
        raise Problem(404)
    return link


def patient_of_link(request: HttpRequest) -> Patient:
    """The patient behind either kind of link."""
    link: CheckinLink | ScreeningLink = request.auth  # type: ignore[attr-defined]
    patient: Patient = link.patient if isinstance(link, ScreeningLink) else link.treatment.patient
    return patient
