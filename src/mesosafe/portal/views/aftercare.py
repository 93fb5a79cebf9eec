"""After treatment: the aftercare timeline, its calendar file, and the next check-in due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mesosafe.engines.calendar import to_ics
from mesosafe.engines.results import AftercarePlan
from mesosafe.portal.access import Visit, with_link
from mesosafe.treatments.links import link_url
from mesosafe.treatments.services import plan_due


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    starts_at: datetime
    ends_at: datetime
    hours: int
    days: int
    state: str  # now | done | later


def _steps(visit: Visit) -> list[Step]:
    plan = AftercarePlan.model_validate(visit.treatment.aftercare)
    now = timezone.now()
    steps = [
        Step(
            item.title[visit.lang],
            item.text[visit.lang],
            item.starts_at,
            item.ends_at,
            round((item.ends_at - item.starts_at).total_seconds() / 3600),
            round((item.ends_at - item.starts_at).total_seconds() / 86400),
            "done" if item.ends_at <= now else ("later" if item.starts_at > now else "now"),
        )
        for item in plan.items
    ]
    return sorted(steps, key=lambda s: (s.ends_at, s.title))


def _now_first(steps: list[Step]) -> tuple[list[Step], list[Step]]:
    """(what applies now, then what comes later; what has ended, the latest first): a patient opens the
    page to know what to do now, not what they were told yesterday."""
    current = sorted((s for s in steps if s.state != "done"), key=lambda s: (s.state != "now", s.ends_at))
    ended = sorted((s for s in steps if s.state == "done"), key=lambda s: s.ends_at, reverse=True)
    return current, ended


@with_link
def aftercare(request: HttpRequest, visit: Visit) -> HttpResponse:
    due = plan_due(visit.treatment)
    current, ended = _now_first(_steps(visit))
    return render(
        request,
        "portal/aftercare.html",
        visit.context(
            "aftercare", steps=current, ended=ended, next_due=due[0] if due else None, schedule=due
        ),
    )


@with_link
def aftercare_ics(request: HttpRequest, visit: Visit) -> HttpResponse:
    plan = AftercarePlan.model_validate(visit.treatment.aftercare)
    body = to_ics(plan, visit.lang, link=link_url(visit.token, request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="aftercare.ics"'
    return response
