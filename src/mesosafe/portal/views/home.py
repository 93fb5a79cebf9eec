"""The link's landing page: where the patient is in their recovery and what to do next (before any
treatment, through a pre-treatment link: the screening questionnaire)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mesosafe import explain
from mesosafe.checkins.models import CheckIn
from mesosafe.knowledge import Disposition
from mesosafe.patients.services import latest_screening
from mesosafe.portal.access import Visit, with_any_link
from mesosafe.treatments.services import plan_due


@with_any_link
def home(request: HttpRequest, visit: Visit) -> HttpResponse:
    if visit.pre_treatment:
        return render(
            request,
            "portal/home_before.html",
            visit.context("home", screening=latest_screening(visit.patient)),
        )
    treatment = visit.treatment
    now = timezone.now()
    due = plan_due(treatment)
    latest = CheckIn.objects.filter(treatment=treatment).order_by("-submitted_at", "-id").first()
    return render(
        request,
        "portal/home.html",
        visit.context(
            "home",
            days=int((now - treatment.performed_at).total_seconds() // 86400),
            next_due=due[0] if due else None,
            latest=latest,
            latest_label=explain.label(latest, visit.lang) if latest else None,
            # the call stays on top while the clinic has not looked at an emergency check-in
            emergency_open=CheckIn.objects.filter(
                treatment=treatment, disposition=Disposition.EMERGENCY.value, reviewed_at__isnull=True
            ).exists(),
        ),
    )
