"""One check-in for the clinic: the patient, the treatment, the answers and photos, the engine's verdict,
the review (acknowledge it, or return it to the queue with a reason) and the treatment's other check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from mesosafe import explain
from mesosafe.audit.models import AuditEvent
from mesosafe.checkins import alerts
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import ESCALATED, REOPEN, return_to_queue
from mesosafe.checkins.tasks import URGENT_RANK
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, checkin_or_404, staff_required
from mesosafe.clinicui.forms import ReopenForm
from mesosafe.clinicui.mail_errors import plain_error
from mesosafe.clinicui.views.queue import item, lang_of, person, reviewer_name
from mesosafe.knowledge import Lang
from mesosafe.treatments.models import Treatment


@dataclass(frozen=True)
class Reopened:
    at: datetime
    who: str
    reason: str


def reopenings(staff: Staff, checkin: CheckIn) -> list[Reopened]:
    """When, by whom and why the check-in's reviews were undone, from the audit trail."""
    events = (
        AuditEvent.objects.for_clinic(staff.clinic_id)
        .filter(object_type="checkin", object_id=str(checkin.id), action="update", detail__change=REOPEN)
        .select_related("user")
    )
    return [Reopened(e.at, person(e.user), (e.detail or {})["reason"]) for e in events.order_by("at", "id")]


@dataclass(frozen=True)
class AlertState:
    """Whether the staff alert e-mail about an urgent or emergency check-in went out (and when), and if
    not, how many attempts failed since when, with the last error in plain words."""

    sent_at: datetime | None
    failures: int
    first_failure: datetime | None
    reason: str


def alert_state(checkin: CheckIn) -> AlertState | None:
    """None for a check-in no alert is e-mailed about (below urgent)."""
    if checkin.disposition_rank < URGENT_RANK:
        return None
    failed = alerts.alert_failures(checkin)
    if not failed:
        return AlertState(checkin.alerted_at, 0, None, "")
    reason = plain_error(failed[-1].error, alerts.reply_code(failed[-1]))
    return AlertState(None, len(failed), failed[0].at, reason)


def others(staff: Staff, checkin: CheckIn, lang: Lang) -> list[tuple[CheckIn, str]]:
    """Every check-in of the same treatment (this one too), oldest first, with its level's label."""
    found = (
        CheckIn.objects.for_clinic(staff.clinic_id)
        .filter(treatment_id=checkin.treatment_id)
        .order_by("submitted_at", "id")
    )
    return [(c, explain.label(c, lang)) for c in found]


def show(
    request: HttpRequest, staff: Staff, checkin: CheckIn, form: ReopenForm | None = None, status: int = 200
) -> HttpResponse:
    """The check-in page; every rendering of it is audited as a read."""
    lang = lang_of(request)
    treatment = (
        Treatment.objects.for_clinic(staff.clinic_id)
        .select_related("practitioner__user")
        .prefetch_related("products__batch__product")
        .get(pk=checkin.treatment_id)
    )
    audit_read(staff, "checkin", [checkin.id], treatment.patient_id)
    context: dict[str, Any] = {
        "staff": staff,
        "it": item(checkin, lang),
        "patient": checkin.treatment.patient,
        "treatment": treatment,
        "photos": list(checkin.photos.all()),
        "escalated": checkin.disposition in ESCALATED,
        "alert": alert_state(checkin),
        "reviewer": reviewer_name(checkin) if checkin.reviewed_at else "",
        "reopen_form": form or ReopenForm(initial={"reviewed_at": seen(checkin)}),
        "reopened": reopenings(staff, checkin),
        "others": others(staff, checkin, lang),
    }
    return render(request, "clinicui/checkin.html", context, status=status)


def seen(checkin: CheckIn) -> str:
    """The review the page shows, sent back with "Return to the queue" so only that review is undone."""
    return checkin.reviewed_at.isoformat() if checkin.reviewed_at else ""


@require_safe
@staff_required
def checkin_page(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    return show(request, staff, checkin_or_404(staff, pk))


@require_POST
@staff_required
def reopen(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    """Undo an acknowledgement made by mistake: the check-in goes back to the review queue."""
    checkin = checkin_or_404(staff, pk)
    if checkin.reviewed_at is None:
        messages.warning(request, not_reviewed())
        return redirect("clinicui:checkin", checkin.id)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return show(request, staff, checkin, form, status=400)
    if return_to_queue(staff, checkin, form.cleaned_data["reviewed_at"], form.cleaned_data["reason"]):
        messages.success(request, _("The check-in is back in the review queue."))
    else:  # someone was quicker: the page will show what stands
        messages.warning(request, reviewed_again(checkin) if checkin.reviewed_at else not_reviewed())
    return redirect("clinicui:checkin", checkin.id)


def not_reviewed() -> str:
    return _("This check-in is not acknowledged, so there is nothing to undo. Nothing was changed.")


def reviewed_again(checkin: CheckIn) -> str:
    """Said when the review the page showed was undone and another one made before this request."""
    return _("%(who)s acknowledged this check-in again after you opened it; that review stands.") % {
        "who": reviewer_name(checkin)
    }
