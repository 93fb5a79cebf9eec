"""Today: check-ins due today and overdue, so a patient who stops answering during the 12 weeks is seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mesosafe.checkins.models import CheckIn
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, staff_required
from mesosafe.treatments.models import ScheduledCheckin, Treatment

# A check-in sent up to this long before its due time counts as the answer to it.
EARLY = timedelta(days=1)
FOLLOW_UP = timedelta(weeks=13)


@dataclass(frozen=True)
class Row:
    treatment: Treatment
    days_since: int
    due: list[ScheduledCheckin]
    last_checkin: datetime | None

    @property
    def first_due(self) -> ScheduledCheckin:
        return self.due[0]


def _rows(staff: Staff, now: datetime) -> tuple[list[Row], list[Row]]:
    zone = ZoneInfo(staff.clinic.time_zone)
    end_of_today = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time.min, tzinfo=zone)
    start_of_today = end_of_today - timedelta(days=1)
    scheduled = (
        ScheduledCheckin.objects.for_clinic(staff.clinic_id)
        .filter(
            due_at__lt=end_of_today,
            treatment__performed_at__gte=now - FOLLOW_UP,
        )
        .select_related("treatment__patient")
        .order_by("due_at")
    )
    last = dict(
        CheckIn.objects.for_clinic(staff.clinic_id)
        .filter(treatment__performed_at__gte=now - FOLLOW_UP)
        .values("treatment_id")
        .annotate(latest=Max("submitted_at"))
        .values_list("treatment_id", "latest")
    )
    open_by_treatment: dict[int, list[ScheduledCheckin]] = {}
    for s in scheduled:
        latest = last.get(s.treatment_id)
        if latest is None or latest < s.due_at - EARLY:
            open_by_treatment.setdefault(s.treatment_id, []).append(s)
    today: list[Row] = []
    overdue: list[Row] = []
    for due in open_by_treatment.values():
        treatment = due[0].treatment
        row = Row(treatment, (now - treatment.performed_at).days, due, last.get(treatment.id))
        missed = [s for s in due if s.due_at < start_of_today]
        (overdue if missed else today).append(row)
    overdue.sort(key=lambda r: r.first_due.due_at)
    today.sort(key=lambda r: r.first_due.due_at)
    return today, overdue


@staff_required
def today(request: HttpRequest, staff: Staff) -> HttpResponse:
    due_today, overdue = _rows(staff, timezone.now())
    for row in due_today + overdue:
        audit_read(staff, "schedule", [row.treatment.id], row.treatment.patient_id)
    return render(
        request,
        "clinicui/today.html",
        {"staff": staff, "due_today": due_today, "overdue": overdue, "nav": "today"},
    )
