"""The printed aftercare sheet (PDF) from the patient's own link, in the page's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from mesosafe.knowledge import load
from mesosafe.portal.access import Visit, with_link
from mesosafe.sheets.aftercare import build, pdf
from mesosafe.treatments.links import link_url


@with_link
def aftercare_pdf(request: HttpRequest, visit: Visit) -> HttpResponse:
    sheet = build(visit.treatment, link_url(visit.token, request), load(), lang=visit.lang)
    response = HttpResponse(pdf(sheet), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="aftercare.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
