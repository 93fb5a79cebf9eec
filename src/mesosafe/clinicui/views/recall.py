"""Batch recall: everyone in this clinic who received a lot (any case, surrounding spaces ignored), as a
page or a spreadsheet, and where the lot's recall stands: who is reached (how, by whom, when) and who is not
yet (e-mailed, or to be called). The actions are in recall_actions.py."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mesosafe.clinics.models import Batch, Staff
from mesosafe.clinics.services import lot_batches
from mesosafe.clinicui.access import audit_read, staff_required
from mesosafe.clinicui.forms import (
    RecallContactedForm,
    RecallForm,
    RecallNotReachedForm,
    RecallSendForm,
)
from mesosafe.csvsafe import safe_row
from mesosafe.treatments.recall import Recipient, batch_recipients
from mesosafe.treatments.recall_contacts import Standing, recall_state

COLUMNS = ("patient_id", "name", "email", "phone", "treatment_id", "performed_at", "product", "lot_number")


@dataclass(frozen=True)
class Row:
    """A patient not yet reached, with the form that marks them reached; or a patient reached, with the form
    that undoes it."""

    standing: Standing
    form: RecallContactedForm | RecallNotReachedForm


def contacted_form(lot: str, patient_id: object, data: object = None) -> RecallContactedForm:
    """The "reached" form of one patient's row; its ids name the patient, so each row's fields are apart."""
    key = str(patient_id) if str(patient_id).isdigit() else "x"
    initial = {"lot": lot, "patient": patient_id}
    return RecallContactedForm(data, initial=initial, auto_id=f"id_p{key}_%s")  # type: ignore[arg-type]


def not_reached_form(
    lot: str, patient_id: object, marked: datetime | None = None, data: object = None
) -> RecallNotReachedForm:
    """The "not reached" form of one reached patient's row, carrying the mark it undoes (`marked`)."""
    key = str(patient_id) if str(patient_id).isdigit() else "x"
    initial = {"lot": lot, "patient": patient_id, "contacted_at": marked.isoformat() if marked else ""}
    return RecallNotReachedForm(data, initial=initial, auto_id=f"id_u{key}_%s")  # type: ignore[arg-type]


@staff_required
def recall(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = RecallForm(request.GET if "lot" in request.GET else None)
    if form.is_bound and form.is_valid():
        lot = form.cleaned_data["lot"].strip()
        if request.GET.get("format") == "csv":
            return recipients_csv(lot, _recipients(staff, lot))
        return lot_page(request, staff, lot, form)
    return render(
        request, "clinicui/recall.html", {"staff": staff, "form": form, "rows": None, "nav": "recall"}
    )


def _recipients(staff: Staff, lot: str) -> list[Recipient]:
    rows = batch_recipients(staff.clinic, lot)
    for row in rows:
        audit_read(staff, "recall", [row.treatment_id], row.patient_id)
    return rows


def lot_page(
    request: HttpRequest,
    staff: Staff,
    lot: str,
    form: RecallForm | None = None,
    send_form: RecallSendForm | None = None,
    refused: RecallContactedForm | RecallNotReachedForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The lot's recipients and its recall; after a refused action, the refused form with its errors."""
    batches: list[Batch] = (
        list(lot_batches(staff.clinic, lot).select_related("product").order_by("product__name"))
        if "\x00" not in lot  # a refused form's lot, as sent: the database refuses a NUL
        else []
    )
    rows = _recipients(staff, lot) if batches else []
    state = recall_state(staff.clinic, lot, rows) if rows else None
    refused_id = refused.data.get("patient") if refused is not None else None

    def refused_or(standing: Standing, fresh: RecallContactedForm | RecallNotReachedForm) -> Row:
        """The row's fresh form, or the refused one when it is this row's own kind of form."""
        own = refused is not None and str(standing.recipient.patient_id) == refused_id
        return Row(standing, refused if own and type(refused) is type(fresh) else fresh)

    not_reached = [
        refused_or(s, contacted_form(lot, s.recipient.patient_id))
        for s in (state.not_reached if state else [])
    ]
    reached = [
        refused_or(
            s, not_reached_form(lot, s.recipient.patient_id, s.contact.contacted_at if s.contact else None)
        )
        for s in (state.reached if state else [])
    ]
    context = {
        "staff": staff,
        "form": form or RecallForm(initial={"lot": lot}),
        "lot": lot,
        "rows": rows,
        "batches": batches,
        "state": state,
        "not_reached": not_reached,
        "reached": reached,
        "send_form": send_form or RecallSendForm(initial={"lot": lot}),
        "refused": refused if refused is not None and refused.errors else send_form,
        "nav": "recall",
    }
    return render(request, "clinicui/recall.html", context, status=status)


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
