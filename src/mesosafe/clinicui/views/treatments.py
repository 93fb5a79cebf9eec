"""Record a treatment: practitioner, date, products and batches, areas, depth, technique, anaesthetic. The
form warns first when the screening is unresolved or the patient is not yet ready for a next session."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from mesosafe import explain
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, patient_or_404, staff_required, treatment_or_404
from mesosafe.clinicui.eligibility import verdict
from mesosafe.clinicui.forms import PRODUCT_ROWS, TreatmentForm
from mesosafe.clinicui.once import AlreadySent, sent_before, spending
from mesosafe.clinicui.views.queue import lang_of
from mesosafe.engines import parse
from mesosafe.errors import DomainError
from mesosafe.patients.services import gating_screening, latest_screening, needs_override
from mesosafe.treatments.links import link_url
from mesosafe.treatments.models import Treatment
from mesosafe.treatments.schemas import TreatmentIn
from mesosafe.treatments.services import record_treatment


@staff_required
def treatment_recorded(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    """Where the treatment form sent again leads: the treatment, without its link, which was shown once, in
    the response to the send that recorded it."""
    return _recorded_page(request, staff, treatment_or_404(staff, pk), token="")


def _recorded_page(request: HttpRequest, staff: Staff, treatment: Treatment, token: str) -> HttpResponse:
    """The treatment recorded, with the patient's link and its print-sheet form when `token` is given. The
    raw token lives only in this response, never in the session or the database."""
    context = {
        "staff": staff,
        "patient": treatment.patient,
        "treatment": treatment,
        "url": link_url(token, request) if token else "",
        "token": token,
        "recorded": True,
        "email_failed": treatment.link.emailed is False,
        "nav": "patients",
    }
    response = render(request, "clinicui/link_issued.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _entry(form: TreatmentForm) -> dict[str, Any]:
    """The valid form as the API's treatment entry."""
    d = form.cleaned_data
    lines = [
        {
            "batch_id": d[f"batch_{i}"].id,
            "volume_ml": d[f"volume_{i}"],
            "concentration": d[f"concentration_{i}"],
            "area": d[f"area_{i}"],
        }
        for i in range(PRODUCT_ROWS)
        if d.get(f"batch_{i}") is not None
    ]
    return {
        "practitioner_id": d["practitioner"].id,
        "performed_at": d["performed_at"],
        "areas": form.areas_list(),
        "technique": d["technique"],
        "injection_depth": d["injection_depth"],
        "anaesthetic": d["anaesthetic"],
        "products": lines,
        "override_reason": d["override_reason"],
    }


@staff_required
def new_treatment(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    patient = patient_or_404(staff, pk)
    if request.method == "POST" and (again := sent_before(request)) is not None:
        return again
    timezone.activate(ZoneInfo(staff.clinic.time_zone))
    screening = gating_screening(patient)
    unresolved = needs_override(screening)
    form = TreatmentForm(
        request.POST or None,
        staff=staff,
        needs_override=unresolved,
        initial={"performed_at": timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with spending(request) as spent:
                treatment, token = record_treatment(
                    patient, parse(TreatmentIn, _entry(form)), by=request.user
                )
                spent.result = reverse("clinicui:treatment_recorded", args=[treatment.id])
        except AlreadySent:
            return sent_before(request) or redirect("clinicui:patient", patient.id)
        except DomainError as error:
            form.refuse(error)
        else:
            # shown in this response rather than after a redirect, so the token is never stored to cross it;
            # the same form sent again is led by its spent form token to the page without the link
            return _recorded_page(request, staff, treatment, token)
    audit_read(staff, "patient", [patient.id], patient.id)
    # the patient's own later answers, shown when milder than the clinic's screening that still gates
    latest = latest_screening(patient)
    later_own = latest if latest is not None and screening is not None and latest.id != screening.id else None
    audit_read(staff, "screening", [s.id for s in (screening, later_own) if s is not None], patient.id)
    eligibility = verdict(patient, lang_of(request))
    if eligibility.blocking_checkin is not None:
        audit_read(staff, "checkin", [eligibility.blocking_checkin.id], patient.id)
    audit_read(staff, "complication", [o.complication.id for o in eligibility.complications], patient.id)
    return render(
        request,
        "clinicui/treatment_form.html",
        {
            "staff": staff,
            "patient": patient,
            "form": form,
            "screening": screening,
            "screening_shown": explain.screening(screening, lang_of(request)) if screening else None,
            "later_own": explain.screening(later_own, lang_of(request)) if later_own else None,
            "unresolved": unresolved,
            "eligibility": eligibility,
            "nav": "patients",
        },
        status=400 if request.method == "POST" else 200,
    )
