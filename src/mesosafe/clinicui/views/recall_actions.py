"""Acting on a batch recall from its page: start it and e-mail the recipients (or one patient again), mark
a patient as reached, and undo that (with the reason). Each form carries a one-time token and leads back to
the recall page; a refusal shows the page again with the refused form's errors."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import patient_or_404, staff_required
from mesosafe.clinicui.forms import RecallSendForm
from mesosafe.clinicui.once import AlreadySent, sent_before, spending
from mesosafe.clinicui.views.recall import contacted_form, lot_page, not_reached_form
from mesosafe.errors import DomainError
from mesosafe.treatments.recall_contacts import (
    mark_contacted,
    send_again,
    send_recall,
    unmark_contacted,
)


def back_to(lot: str) -> str:
    return f"{reverse('clinicui:recall')}?{urlencode({'lot': lot})}#recall-actions"


@staff_required
def send(request: HttpRequest, staff: Staff) -> HttpResponse:
    if request.method != "POST":
        return redirect("clinicui:recall")
    if (again := sent_before(request)) is not None:
        return again
    form = RecallSendForm(request.POST)
    if not form.is_valid():
        return lot_page(request, staff, str(form.data.get("lot", "")).strip(), send_form=form, status=400)
    lot, patient_id = form.cleaned_data["lot"].strip(), form.cleaned_data["patient"]
    patient = patient_or_404(staff, patient_id) if patient_id else None
    try:
        with spending(request) as spent:
            if patient is None:
                queued = send_recall(staff.clinic, lot, request.user, form.cleaned_data["reason"])[1]
                said = ngettext("%(n)s recall e-mail queued.", "%(n)s recall e-mails queued.", queued)
                said %= {"n": queued}
            else:
                send_again(staff.clinic, lot, patient, request.user)
                said = _("The recall e-mail to %(name)s is queued again.") % {"name": patient.name}
            spent.result = back_to(lot)
    except AlreadySent:
        return sent_before(request) or redirect(back_to(lot))
    except DomainError as error:
        form.refuse(error)
        return lot_page(request, staff, lot, send_form=form, status=400)
    messages.success(request, said)
    return redirect(spent.result)


@staff_required
def contacted(request: HttpRequest, staff: Staff) -> HttpResponse:
    if request.method != "POST":
        return redirect("clinicui:recall")
    if (again := sent_before(request)) is not None:
        return again
    lot = request.POST.get("lot", "").strip()
    form = contacted_form(lot, request.POST.get("patient", ""), request.POST)
    if form.is_valid():
        patient = patient_or_404(staff, form.cleaned_data["patient"])
        d = form.cleaned_data
        try:
            with spending(request) as spent:
                mark_contacted(staff.clinic, d["lot"].strip(), patient, request.user, d["method"], d["note"])
                spent.result = back_to(lot)
        except AlreadySent:
            return sent_before(request) or redirect(back_to(lot))
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(request, _("%(name)s is marked as reached.") % {"name": patient.name})
            return redirect(spent.result)
    return lot_page(request, staff, lot, refused=form, status=400)


@staff_required
def not_reached(request: HttpRequest, staff: Staff) -> HttpResponse:
    """Undo a "reached" marked by mistake, with the reason."""
    if request.method != "POST":
        return redirect("clinicui:recall")
    if (again := sent_before(request)) is not None:
        return again
    lot = request.POST.get("lot", "").strip()
    form = not_reached_form(lot, request.POST.get("patient", ""), data=request.POST)
    if form.is_valid():
        patient = patient_or_404(staff, form.cleaned_data["patient"])
        d = form.cleaned_data
        try:
            with spending(request) as spent:
                unmark_contacted(staff.clinic, lot, patient, request.user, d["contacted_at"], d["reason"])
                spent.result = back_to(lot)
        except AlreadySent:
            return sent_before(request) or redirect(back_to(lot))
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(request, _("%(name)s is marked as not reached.") % {"name": patient.name})
            return redirect(spent.result)
    return lot_page(request, staff, lot, refused=form, status=400)
