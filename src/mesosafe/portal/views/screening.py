"""Before treatment: the screening questionnaire, its decision with reasons, and the preparation checklist."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesosafe import explain
from mesosafe.errors import DomainError
from mesosafe.patients.models import Screening
from mesosafe.patients.services import run_screening
from mesosafe.portal import present
from mesosafe.portal.access import Visit, with_any_link
from mesosafe.portal.forms import ScreeningForm
from mesosafe.treatments.models import ProductUse


class SessionDateForm(forms.Form):
    session_date = forms.DateField(
        label=_("Date of your next session"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_session_date(self) -> date:
        day: date = self.cleaned_data["session_date"]
        today = timezone.localdate()
        if not today - timedelta(days=366) <= day <= today + timedelta(days=2 * 366):
            raise forms.ValidationError(_("Please choose a date within the next two years."))
        return day


def _formulation(visit: Visit) -> list[str]:
    """Ingredients of the products this clinic used for the patient, to check allergies against."""
    names: list[str] = []
    if visit.pre_treatment:  # no treatment yet, so no products to check against
        return names
    for use in ProductUse.objects.filter(treatment=visit.treatment).select_related("batch__product"):
        for ingredient in use.batch.product.ingredients or []:
            if isinstance(ingredient, str) and ingredient.strip() and ingredient not in names:
                names.append(ingredient.strip()[:200])
    return names


@with_any_link
def screening(request: HttpRequest, visit: Visit) -> HttpResponse:
    form = ScreeningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        age = present.age_on(visit.patient.date_of_birth, timezone.localdate())
        try:
            stored = run_screening(visit.patient, form.intake(age, _formulation(visit)))
        except DomainError as exc:
            form.add_error(None, _("Please check your answers: %(field)s") % {"field": exc.field})
        else:
            return redirect("portal:screening_result", visit.token, stored.id)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/screening.html", visit.context("screening", form=form), status=status)


def _treat_from(stored: Screening) -> datetime | None:
    """When a deferred patient can be treated: the answers' time plus the engine's defer_days."""
    if stored.decision != "defer" or not stored.defer_days:
        return None
    return stored.created_at + timedelta(days=math.ceil(stored.defer_days))


@with_any_link
def screening_result(request: HttpRequest, visit: Visit, pk: int) -> HttpResponse:
    stored = get_object_or_404(Screening, pk=pk, patient=visit.patient)
    date_form = SessionDateForm(request.GET if "session_date" in request.GET else None)
    session = date_form.cleaned_data["session_date"] if date_form.is_bound and date_form.is_valid() else None
    return render(
        request,
        "portal/screening_result.html",
        visit.context(
            "screening",
            screening=stored,
            shown=explain.screening(stored, visit.lang),
            date_form=date_form,
            session=session,
            checklist=present.preparation(visit.lang, session, timezone.localdate()),
            treat_from=_treat_from(stored),
        ),
    )
