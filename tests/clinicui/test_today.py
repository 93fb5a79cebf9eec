from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from mesosafe.checkins.models import CheckIn
from mesosafe.treatments.models import ScheduledCheckin
from tests.pages_fixtures import ClinicSite, build_case


def test_silent_patient_is_overdue(site_a: ClinicSite, staff_client: Client) -> None:
    build_case(site_a, name="Silent Sara", days_ago=10)
    page = staff_client.get("/clinic/today/").content.decode()
    overdue = page[page.index('id="overdue"') :]
    assert "Silent Sara" in overdue
    assert "day 1, day 3, day 7" in overdue and "never" in overdue


def test_answered_checkins_are_not_overdue(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a, name="Diligent Dana", days_ago=10)
    stored = case.checkin([])
    CheckIn.objects.filter(pk=stored.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    page = staff_client.get("/clinic/today/").content.decode()
    assert "Diligent Dana" not in page  # day 1, 3 and 7 are all covered by a check-in sent on day 7


def test_due_today(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a, name="Today Tom", days_ago=0.5)
    ScheduledCheckin.objects.filter(treatment=case.treatment, day=1).update(due_at=timezone.now())
    page = staff_client.get("/clinic/today/").content.decode()
    assert "Today Tom" in page[page.index('id="due-today"') :]


def test_other_clinic_not_listed(site_a: ClinicSite, site_b: ClinicSite, staff_client: Client) -> None:
    build_case(site_b, name="Other Olga", days_ago=10)
    assert "Other Olga" not in staff_client.get("/clinic/today/").content.decode()


def test_dates_are_unambiguous(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a, name="Silent Sara", days_ago=10)
    treated = timezone.localtime(case.treatment.performed_at, ZoneInfo("Asia/Dubai"))
    page = staff_client.get("/clinic/today/").content.decode()
    assert f"<td>{treated:%-d %b %Y} (10 days ago)</td>" in page
    assert f"{treated:%m/%d/%Y}" not in page
