"""Batch recall: everyone in this clinic who received a lot."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mesosafe.clinics.models import Batch, Staff
from mesosafe.clinics.services import batch_recipients
from mesosafe.clinicui.access import audit_read, staff_required
from mesosafe.clinicui.forms import RecallForm


@staff_required
def recall(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = RecallForm(request.GET if "lot" in request.GET else None)
    rows = None
    batches: list[Batch] = []
    if form.is_bound and form.is_valid():
        lot = form.cleaned_data["lot"].strip()
        rows = batch_recipients(staff.clinic, lot)
        batches = list(
            Batch.objects.filter(lot_number=lot, product__clinic_id=staff.clinic_id).select_related("product")
        )
        for row in rows:
            audit_read(staff, "recall", [row.treatment_id], row.patient_id)
    return render(
        request,
        "clinicui/recall.html",
        {"staff": staff, "form": form, "rows": rows, "batches": batches, "nav": "recall"},
    )
