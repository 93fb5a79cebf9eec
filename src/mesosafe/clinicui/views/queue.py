"""A check-in in the review queue: how the queue and its page show it, and acknowledging it alone with a note
(from its page). The queue page itself, one card per treatment, is `queue_page`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mesosafe import explain
from mesosafe.checkins.answers import SymptomLine, symptom_lines
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import acknowledge as acknowledge_checkin
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, checkin_or_404, staff_required
from mesosafe.clinicui.forms import AcknowledgeForm
from mesosafe.knowledge import Lang


@dataclass(frozen=True)
class Item:
    checkin: CheckIn
    shown: explain.Shown
    symptoms: list[SymptomLine]  # each a line of text; one the patient described has their words apart
    form: AcknowledgeForm


def lang_of(request: HttpRequest) -> Lang:
    return Lang.AR if getattr(request, "LANGUAGE_CODE", "en") == "ar" else Lang.EN


def item(checkin: CheckIn, lang: Lang) -> Item:
    return Item(
        checkin,
        explain.checkin(checkin, lang),
        symptom_lines(checkin.answers, lang, checkin.days_since_treatment),
        AcknowledgeForm(prefix=f"c{checkin.id}"),
    )


@require_POST
@staff_required
def acknowledge(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    checkin = checkin_or_404(staff, pk)
    form = AcknowledgeForm(request.POST, prefix=f"c{checkin.id}")
    patient_id = checkin.treatment.patient_id
    if not form.is_valid():
        return refused(request, form, from_page(request, checkin) or reverse("clinicui:queue"))
    done = acknowledge_checkin(checkin, request.user, form.cleaned_data["note"])
    if not done:  # the page shows whose review stands
        audit_read(staff, "checkin", [checkin.id], patient_id)
    if request.headers.get("HX-Request"):
        context = {"checkin": checkin, "earlier": not done, "who": reviewer_name(checkin)}
        return render(request, "clinicui/_acknowledged.html", context)
    if done:
        messages.success(request, _("Check-in acknowledged."))
    else:
        messages.warning(request, already_reviewed(checkin))
    return redirect(from_page(request, checkin) or "clinicui:queue")


def refused(request: HttpRequest, form: Form, page: str) -> HttpResponse:
    """A form that cannot be kept: nothing changes, and `page` (the check-in's page, or the queue) says why,
    naming the field."""
    for problem in problems(form):
        messages.error(request, problem)
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": page})  # the whole page, not inside the card
    return redirect(page)


def problems(form: Form) -> list[str]:
    """Each field's errors, after its label when the field shows one."""
    said = []
    for name, errors in form.errors.items():
        text = " ".join(str(e) for e in errors)
        shown = name in form.fields and not form[name].is_hidden
        said.append(f"{form[name].label}: {text}" if shown else text)
    return said


def from_page(request: HttpRequest, checkin: CheckIn) -> str | None:
    """The check-in page's address when the form was sent from it (its `next`), to go back there."""
    page = reverse("clinicui:checkin", args=[checkin.id])
    return page if request.POST.get("next") == page else None


def already_reviewed(checkin: CheckIn) -> str:
    """Said when a second acknowledgement came too late: the first one, and its note, stand."""
    return _("%(who)s had already acknowledged this check-in; their note is kept.") % {
        "who": reviewer_name(checkin)
    }


def reviewer_name(checkin: CheckIn) -> str:
    return person(checkin.reviewed_by)


def person(user: Any) -> str:
    """A staff member's full name, else their username."""
    return (user.get_full_name() or user.get_username()) if user else _("Someone")
