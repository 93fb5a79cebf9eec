"""Batch recall: everyone in this clinic who received a lot (any case, surrounding spaces ignored)."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mesosafe.clinics.models import Batch, Staff
from mesosafe.clinics.services import lot_batches
from mesosafe.clinicui.access import audit_read, staff_required
from mesosafe.clinicui.forms import RecallForm
from mesosafe.csvsafe import safe_row
from mesosafe.treatments.recall import Recipient, batch_recipients

COLUMNS = ("patient_id", "name", "email", "phone", "treatment_id", "performed_at", "product", "lot_number")


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
        if request.GET.get("format") == "csv":
            return recipients_csv(lot, rows)
    return render(
        request,
        "clinicui/recall.html",
        {"staff": staff, "form": form, "rows": rows, "batches": batches, "lot": lot, "nav": "recall"},
    )


def recipients_csv(lot: str, rows: list[Recipient]) -> HttpResponse:
    """The recipients as a spreadsheet: every text cell formula-safe (`csvsafe`), times in UTC ISO 8601."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in lot)[:64]
    response["Content-Disposition"] = f'attachment; filename="recall-{safe_name}.csv"'
    response.write("\ufeff")  # a byte-order mark, so spreadsheet programs read Arabic names as UTF-8
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    for row in rows:
        values = row.to_dict()
        values["performed_at"] = row.performed_at.isoformat()
        writer.writerow(safe_row([values[name] for name in COLUMNS]))
    return response
