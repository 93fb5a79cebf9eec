"""Correct a recorded complication (what `PATCH /complications/{id}` takes), by the same service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, staff_required
from mesosafe.clinicui.forms import ComplicationEditForm
from mesosafe.clinicui.views.queue import lang_of
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationPatch
from mesosafe.complications.services import update
from mesosafe.engines import parse
from mesosafe.errors import DomainError
from mesosafe.knowledge import load as load_kb


def complication_or_404(staff: Staff, pk: int) -> Complication:
    return get_object_or_404(
        Complication.objects.for_clinic(staff.clinic_id).select_related(
            "treatment__patient__clinic", "checkin"
        ),
        pk=pk,
    )


@staff_required
def edit_complication(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    """Any staff member of the clinic, as for recording one; only the fields changed are sent to the service,
    which checks them as the API's PATCH is checked and audits the update (a new report version). A send
    from a page opened before someone else's change is refused (409) with the form as the record now is."""
    complication = complication_or_404(staff, pk)
    patient = complication.treatment.patient
    form = ComplicationEditForm(request.POST or None, complication=complication)
    # a double click's second send changes nothing from the record it made: not refused
    stale = request.method == "POST" and form.stale() and form.has_changed()
    if stale:  # nothing is saved: the form again, as the record is now
        form = ComplicationEditForm(complication=complication)
    elif request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            if changes:
                update(complication, parse(ComplicationPatch, changes), by=request.user)
        except DomainError as error:
            form.refuse(error)  # refused before anything is set on `complication`
        else:
            if changes:
                messages.success(request, _("Complication #%(id)s updated.") % {"id": complication.id})
            return redirect("clinicui:patient", patient.id)
    audit_read(staff, "complication", [complication.id], patient.id)
    names = {code: e.name.get(lang_of(request)) for code, e in load_kb().effects.items()}
    return render(
        request,
        "clinicui/complication_edit.html",
        {
            "staff": staff,
            "complication": complication,
            "treatment": complication.treatment,
            "patient": patient,
            "symptoms": [names.get(code, code) for code in complication.symptom_codes],
            "own_words": "; ".join(complication.own_words().values()),
            "form": form,
            "stale": stale,
            "nav": "patients",
        },
        status=409 if stale else 400 if request.method == "POST" else 200,
    )
