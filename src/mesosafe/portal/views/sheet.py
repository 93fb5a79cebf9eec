"""The printed aftercare sheet (PDF) from the patient's own link, in the page's language."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from mesosafe.knowledge import load
from mesosafe.lib.ratelimit import over_limit
from mesosafe.lib.tokens import digest
from mesosafe.portal.access import Visit, too_many, with_link
from mesosafe.sheets.aftercare import build, cached_pdf
from mesosafe.treatments.links import link_url


@with_link
def aftercare_pdf(request: HttpRequest, visit: Visit) -> HttpResponseBase:
    limit = settings.MESOSAFE_SHEET_RATE
    if over_limit(f"sheet:tok:{digest(visit.token)[:32]}", limit):
        refused = too_many(request, visit.patient)
        refused["Retry-After"] = str(settings.MESOSAFE_PATIENT_RATE_WINDOW_S)
        return refused
    sheet = build(visit.treatment, link_url(visit.token, request), load(), lang=visit.lang)
    response = HttpResponse(cached_pdf(sheet), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="aftercare.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
