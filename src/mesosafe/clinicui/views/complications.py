"""Record a complication against a treatment, directly or from an escalated check-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mesosafe.checkins.answers import symptom_lines
from mesosafe.checkins.services import acknowledge
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, checkin_or_404, staff_required, treatment_or_404
from mesosafe.clinicui.forms import ComplicationForm
from mesosafe.clinicui.once import AlreadySent, sent_before, spending
from mesosafe.clinicui.views.queue import lang_of
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.engines import parse
from mesosafe.errors import DomainError


@staff_required
def new_complication(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    treatment = treatment_or_404(staff, pk)
    if request.method == "POST" and (again := sent_before(request)) is not None:
        return again
    checkin = None
    wanted = request.GET.get("checkin", "")
    if wanted.isascii() and wanted.isdigit() and len(wanted) < 19:  # not "²", nor past a 64-bit id
        checkin = checkin_or_404(staff, int(wanted))
        if checkin.treatment_id != treatment.id:
            checkin = None
    initial: dict[str, Any] = {"onset_date": timezone.localdate()}
    if checkin is not None:
        initial = {
            "onset_date": timezone.localtime(checkin.submitted_at).date(),
            "symptom_codes": [s["code"] for s in checkin.answers.get("symptoms", [])],
        }
    form = ComplicationForm(request.POST or None, lang=lang_of(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        entry = {name: d[name] for name in ComplicationIn.model_fields}
        entry["serious_reason"] = d["serious_reason"] or None
        entry["description"] = d["description"] or None
        try:
            with spending(request) as spent:
                complication = create(
                    treatment, parse(ComplicationIn, entry), by=request.user, checkin=checkin
                )
                spent.result = reverse("clinicui:patient", args=[treatment.patient_id])
        except AlreadySent:
            return sent_before(request) or redirect("clinicui:patient", treatment.patient_id)
        except DomainError as error:
            form.refuse(error)
        else:
            if checkin is not None:
                note = _("Recorded as complication #%(id)s") % {"id": complication.id}
                acknowledge(checkin, request.user, note)
            messages.success(request, _("Complication recorded."))
            return redirect("clinicui:patient", treatment.patient_id)
    audit_read(staff, "treatment", [treatment.id], treatment.patient_id)
    if checkin is not None:
        audit_read(staff, "checkin", [checkin.id], treatment.patient_id)
    return render(
        request,
        "clinicui/complication_form.html",
        {
            "staff": staff,
            "treatment": treatment,
            "patient": treatment.patient,
            "checkin": checkin,
            # what the patient reported, their own words as written: what the record is made from
            "answers": symptom_lines(checkin.answers, lang_of(request), checkin.days_since_treatment)
            if checkin is not None
            else [],
            "form": form,
            "nav": "patients",
        },
        status=400 if request.method == "POST" else 200,
    )
