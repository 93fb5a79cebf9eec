"""Patients: search, and one timeline per patient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mesosafe import explain
from mesosafe.audit.services import record
from mesosafe.checkins.answers import symptom_lines
from mesosafe.checkins.models import CheckIn
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, patient_or_404, patients, staff_required, treatment_or_404
from mesosafe.clinicui.eligibility import verdict
from mesosafe.clinicui.forms import OUTCOMES, SearchForm
from mesosafe.clinicui.views.queue import lang_of
from mesosafe.complications.models import Complication
from mesosafe.knowledge import Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.patients.models import Patient, Screening
from mesosafe.treatments.links import link_url
from mesosafe.treatments.models import Treatment
from mesosafe.treatments.services import (
    issue_screening_link,
    reissue_link,
    revoke_link,
    revoke_screening_link,
)

LIMIT = 100


@staff_required
def patient_list(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = SearchForm(request.GET)
    rows: list[Patient] = []
    if form.is_valid():
        query: str = form.cleaned_data["q"]
        found = patients(staff).annotate(last_treated=Max("treatments__performed_at"))
        if query:
            found = found.filter(
                Q(name__icontains=query) | Q(email__icontains=query) | Q(phone__icontains=query)
            )
        rows = list(found.order_by("name", "id")[:LIMIT])
        audit_read(staff, "patient", [p.id for p in rows], None)
    else:  # a search that cannot be run (too long) finds nobody, never every patient; the page says why
        query = str(form["q"].value() or "")
    return render(
        request,
        "clinicui/patients.html",
        {"staff": staff, "form": form, "rows": rows, "query": query, "nav": "patients"},
    )


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # screening | treatment | aftercare | checkin | complication
    obj: Any
    extra: Any = None


def timeline(staff: Staff, patient: Patient, lang: Lang) -> list[Event]:
    events: list[Event] = []
    for screening in Screening.objects.for_clinic(staff.clinic_id).filter(patient=patient):
        events.append(Event(screening.created_at, "screening", screening, explain.screening(screening, lang)))
    treatments = list(
        Treatment.objects.for_clinic(staff.clinic_id)
        .filter(patient=patient)
        .select_related("practitioner__user", "link")
        .prefetch_related("products__batch__product")
    )
    for treatment in treatments:
        events.append(Event(treatment.performed_at, "treatment", treatment))
        link = getattr(treatment, "link", None)
        events.append(Event(treatment.created_at, "aftercare", treatment, link))
        for checkin in (
            CheckIn.objects.for_clinic(staff.clinic_id).filter(treatment=treatment).prefetch_related("photos")
        ):
            events.append(
                Event(
                    checkin.submitted_at,
                    "checkin",
                    checkin,
                    (
                        explain.checkin(checkin, lang),
                        symptom_lines(checkin.answers, lang, checkin.days_since_treatment),
                    ),
                )
            )
        names = {code: e.name.get(lang) for code, e in load_kb().effects.items()}
        outcomes: dict[str, Any] = {str(value): label for value, label in OUTCOMES}
        for complication in (
            Complication.objects.for_clinic(staff.clinic_id)
            .filter(treatment=treatment)
            .select_related("checkin")
        ):
            events.append(
                Event(
                    datetime.combine(
                        complication.onset_date, datetime.min.time(), tzinfo=treatment.performed_at.tzinfo
                    ),
                    "complication",
                    complication,
                    (
                        [names.get(c, c) for c in complication.symptom_codes],
                        outcomes.get(complication.outcome, ""),
                        "; ".join(complication.own_words().values()),  # what "something else" was
                    ),
                )
            )
    events.sort(key=lambda e: e.at, reverse=True)
    return events


@staff_required
def patient_detail(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    patient = patient_or_404(staff, pk)
    lang = lang_of(request)
    events = timeline(staff, patient, lang)
    record(staff.clinic_id, staff.user, "read", "patient", [patient.id], patient.id)
    return render(
        request,
        "clinicui/patient.html",
        {
            "staff": staff,
            "patient": patient,
            "events": events,
            "eligibility": verdict(patient, lang),
            "nav": "patients",
            "new_link": None,
            "screening_link": getattr(patient, "screening_link", None),
        },
    )


@never_cache  # the answer holds the raw token: kept by no cache
@require_POST
@staff_required
def new_screening_link(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    """Issue the patient's pre-treatment link (screening, FAQ; a previous one stops working); shown once."""
    patient = patient_or_404(staff, pk)
    link, token = issue_screening_link(patient, by=staff.user)
    return render(
        request,
        "clinicui/link_issued.html",
        {
            "staff": staff,
            "patient": patient,
            "screening_link": link,
            "url": link_url(token, request),
            "email_failed": link.emailed is False,
            "nav": "patients",
        },
    )


@never_cache  # the answer holds the raw token: kept by no cache
@require_POST
@staff_required
def new_link(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    """Issue a fresh private link for a treatment (the old one stops working); shown once."""
    treatment = treatment_or_404(staff, pk)
    token = reissue_link(treatment, by=staff.user)
    return render(
        request,
        "clinicui/link_issued.html",
        {
            "staff": staff,
            "patient": treatment.patient,
            "treatment": treatment,
            "url": link_url(token, request),
            "token": token,
            "email_failed": treatment.link.emailed is False,
            "nav": "patients",
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required
def stop_screening_link(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    """Stop the patient's pre-treatment link now (a lost phone, a wrong address), once confirmed."""
    patient = patient_or_404(staff, pk)
    if request.method != "POST":
        return confirm_stop(request, staff, patient, None)
    revoke_screening_link(patient, by=staff.user)
    messages.success(request, _("The screening link no longer works."))
    return redirect("clinicui:patient", patient.id)


@require_http_methods(["GET", "POST"])
@staff_required
def stop_link(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    """Stop a treatment's private link now, once confirmed; a new one can be issued later."""
    treatment = treatment_or_404(staff, pk)
    if request.method != "POST":
        return confirm_stop(request, staff, treatment.patient, treatment)
    revoke_link(treatment, by=staff.user)
    messages.success(request, _("The patient link no longer works. Issue a new one to send it again."))
    return redirect("clinicui:patient", treatment.patient_id)


def confirm_stop(
    request: HttpRequest, staff: Staff, patient: Patient, treatment: Treatment | None
) -> HttpResponse:
    """The question before a link is stopped: what stops working for the patient, and a way back."""
    context = {"staff": staff, "patient": patient, "treatment": treatment, "nav": "patients"}
    return render(request, "clinicui/stop_link.html", context)
