"""Add a patient to the staff member's clinic; change a patient's contact details and preferred language."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, patient_or_404, staff_required
from mesosafe.clinicui.forms import PatientContactForm, PatientForm
from mesosafe.clinicui.once import AlreadySent, sent_before, spending
from mesosafe.engines import parse
from mesosafe.errors import DomainError
from mesosafe.patients.models import Patient
from mesosafe.patients.schemas import PatientIn
from mesosafe.patients.services import create_patient, update_patient


@staff_required
def new_patient(request: HttpRequest, staff: Staff) -> HttpResponse:
    if request.method == "POST" and (again := sent_before(request)) is not None:
        return again
    form = PatientForm(
        request.POST or None,
        instance=Patient(clinic=staff.clinic),
        initial={"preferred_language": staff.clinic.default_language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with spending(request) as spent:
                patient = create_patient(staff, parse(PatientIn, form.cleaned_data))
                spent.result = reverse("clinicui:patient", args=[patient.id])
        except AlreadySent:
            return sent_before(request) or redirect("clinicui:patients")
        except DomainError as error:  # the form checks the same rules; one it does not know
            form.refuse(error)
        else:
            messages.success(request, _("Patient added."))
            return redirect("clinicui:patient", patient.id)
    return render(
        request,
        "clinicui/patient_form.html",
        {"staff": staff, "form": form, "patient": None, "nav": "patients"},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def edit_patient(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    """Only the fields changed are saved; a send from a page opened before someone else's change is refused
    (409) with the form as the record now is (it would put back what that change replaced)."""
    patient = patient_or_404(staff, pk)
    form = PatientContactForm(request.POST or None, instance=patient)
    # a double click's second send changes nothing from the record it made: not refused
    stale = request.method == "POST" and form.stale() and form.has_changed()
    if stale:  # nothing is saved: the form again, as the record is now
        form = PatientContactForm(instance=patient)
    elif request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:  # the form has set them on `patient` already: the service reads the stored record
                update_patient(staff, patient_or_404(staff, pk), changes)
                messages.success(request, _("Contact details saved."))
        except DomainError as error:
            form.refuse(error)
        else:
            return redirect("clinicui:patient", patient.id)
    audit_read(staff, "patient", [patient.id], patient.id)
    return render(
        request,
        "clinicui/patient_form.html",
        {"staff": staff, "form": form, "patient": patient, "stale": stale, "nav": "patients"},
        status=409 if stale else 400 if request.method == "POST" else 200,
    )
