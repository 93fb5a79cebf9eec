"""Record a complication against a treatment, directly or from an escalated check-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from mesosafe.audit.services import record
from mesosafe.checkins.services import acknowledge
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, checkin_or_404, staff_required, treatment_or_404
from mesosafe.clinicui.forms import ComplicationForm
from mesosafe.clinicui.views.queue import lang_of
from mesosafe.complications.services import ComplicationData, create
from mesosafe.lib.problems import Problem


@staff_required
def new_complication(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    treatment = treatment_or_404(staff, pk)
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
        data = ComplicationData(
            onset_date=d["onset_date"],
            grade=d["grade"],
            relatedness=d["relatedness"],
            symptom_codes=list(d["symptom_codes"]),
            serious=d["serious"],
            serious_reason=d["serious_reason"],
            outcome=d["outcome"],
            outcome_date=d["outcome_date"],
            action_taken=d["action_taken"],
            suspected_infection=d["suspected_infection"],
            reported_to_regulator=d["reported_to_regulator"],
            reported_on=d["reported_on"],
        )
        try:
            complication = create(treatment, data, by=request.user, checkin=checkin)
        except Problem as problem:
            field = problem.errors[0]["field"] if problem.errors else None
            form.add_error(field if field in form.fields else None, problem.detail)
        else:
            record(
                staff.clinic_id, staff.user, "create", "complication", [complication.id], treatment.patient_id
            )
            if checkin is not None:
                note = _("Recorded as complication #%(id)s") % {"id": complication.id}
                if acknowledge(checkin, request.user, note):
                    record(
                        staff.clinic_id, staff.user, "update", "checkin", [checkin.id], treatment.patient_id
                    )
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
            "form": form,
            "nav": "patients",
        },
        status=400 if request.method == "POST" else 200,
    )
