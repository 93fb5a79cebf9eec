"""Records that leave the clinic, from the clinic's pages: a complication's ICH E2B(R3) report, and the
printed aftercare sheet while a just-issued link is on screen (the link is stored hashed, so the sheet
can only be made with the token the page holds)."""

from __future__ import annotations

import hmac

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, staff_required, treatment_or_404
from mesosafe.complications import icsr
from mesosafe.complications.models import Complication
from mesosafe.errors import DomainError
from mesosafe.knowledge import load
from mesosafe.lib.tokens import digest
from mesosafe.sheets.aftercare import build, cached_pdf
from mesosafe.treatments.links import link_url


@staff_required
def complication_icsr(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    complications = Complication.objects.for_clinic(staff.clinic_id).select_related(
        "treatment__patient__clinic", "treatment__practitioner__user"
    )
    complication = get_object_or_404(complications, pk=pk)
    patient_id = complication.treatment.patient_id
    try:
        xml = icsr.icsr_xml(complication)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("clinicui:patient", patient_id)
    audit_read(staff, "complication_icsr", [complication.id], patient_id)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{icsr.report_id(complication)}.xml"'
    return response


@require_POST
@staff_required
def aftercare_sheet(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    treatment = treatment_or_404(staff, pk)
    token = request.POST.get("token", "")
    link = getattr(treatment, "link", None)
    if (
        link is None
        or not link.usable_at(timezone.now())
        or not hmac.compare_digest(digest(token), link.token_hash)
    ):
        # not this treatment's current link (the page was older than a reissue): reissue it to print a sheet
        return HttpResponseBadRequest(
            _("This link is no longer the patient's current one: issue a new link.")
        )
    sheet = build(treatment, link_url(token, request), load())
    audit_read(staff, "aftercare_sheet", [treatment.id], treatment.patient_id)
    response = HttpResponse(cached_pdf(sheet), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="aftercare.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
