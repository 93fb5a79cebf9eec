"""My recovery: each symptom's severity by day since treatment, and whether a next session may happen."""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mesosafe import explain
from mesosafe.checkins.models import CheckIn
from mesosafe.complications.eligibility import next_session
from mesosafe.knowledge import Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.portal import charts, present
from mesosafe.portal.access import Visit, with_link


@with_link
def recovery(request: HttpRequest, visit: Visit) -> HttpResponse:
    kb = load_kb()
    names = {code: effect.name.get(visit.lang) for code, effect in kb.effects.items()}
    history = list(CheckIn.objects.filter(treatment=visit.treatment).order_by("submitted_at", "id"))
    points = [{"day": c.days_since_treatment, "symptoms": c.answers.get("symptoms", [])} for c in history]
    days = [c.days_since_treatment for c in history]
    chart = charts.build(days, charts.severity_series(points, names), names) if history else None
    eligibility = next_session(visit.patient)
    return render(
        request,
        "portal/recovery.html",
        visit.context(
            "recovery",
            chart=chart,
            history=[
                (
                    c,
                    explain.label(c, visit.lang),
                    math.floor(c.days_since_treatment),
                    present.answered(c.answers, visit.lang),
                )
                for c in reversed(history)
            ],
            names=names,
            comma="، " if visit.lang == Lang.AR else ", ",
            eligibility=eligibility,
        ),
    )
