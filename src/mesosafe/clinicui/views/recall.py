"""Batch recall: everyone in this clinic who received a lot (any case, surrounding spaces ignored)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mesosafe.clinics.models import Batch, Staff
from mesosafe.clinics.services import lot_batches
from mesosafe.clinicui.access import audit_read, staff_required
from mesosafe.clinicui.forms import RecallForm
from mesosafe.treatments.recall import batch_recipients


@staff_required
def recall(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = RecallForm(request.GET if "lot" in request.GET else None)
    rows = None
    batches: list[Batch] = []
    lot = ""
    if form.is_bound and form.is_valid():
        lot = form.cleaned_data["lot"].strip()
        batches = list(lot_batches(staff.clinic, lot).select_related("product").order_by("product__name"))
        rows = batch_recipients(staff.clinic, lot) if batches else []
        for row in rows:
            audit_read(staff, "recall", [row.treatment_id], row.patient_id)
    return render(
        request,
        "clinicui/recall.html",
        {"staff": staff, "form": form, "rows": rows, "batches": batches, "lot": lot, "nav": "recall"},
    )
