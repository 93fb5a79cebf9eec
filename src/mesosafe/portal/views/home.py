"""The link's landing page: where the patient is in their recovery and what to do next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mesosafe.checkins.models import CheckIn
from mesosafe.portal.access import Visit, with_link
from mesosafe.treatments.services import plan_due


@with_link
def home(request: HttpRequest, visit: Visit) -> HttpResponse:
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
        ),
    )
