"""Add a patient to the staff member's clinic; change a patient's contact details and preferred language."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mesosafe.audit.services import record
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, patient_or_404, staff_required
from mesosafe.clinicui.forms import PatientContactForm, PatientForm
from mesosafe.patients.models import Patient


@staff_required
def new_patient(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = PatientForm(
        request.POST or None,
        instance=Patient(clinic=staff.clinic),
        initial={"preferred_language": staff.clinic.default_language},
    )
    if request.method == "POST" and form.is_valid():
        patient = form.save()
        record(staff.clinic_id, staff.user, "create", "patient", [patient.id], patient.id)
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
    patient = patient_or_404(staff, pk)
    form = PatientContactForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            form.save()
            record(staff.clinic_id, staff.user, "update", "patient", [patient.id], patient.id)
            messages.success(request, _("Contact details saved."))
        return redirect("clinicui:patient", patient.id)
    audit_read(staff, "patient", [patient.id], patient.id)
    return render(
        request,
        "clinicui/patient_form.html",
        {"staff": staff, "form": form, "patient": patient, "nav": "patients"},
        status=400 if request.method == "POST" else 200,
    )
