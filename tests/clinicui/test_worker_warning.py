"""The clinic pages warn while no background worker runs: no reminders, no alerts about urgent check-ins."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from mesosafe.workers.health import DEAD_AFTER
from mesosafe.workers.models import Heartbeat
from tests.pages_fixtures import ClinicSite


def _beat(ago: timedelta) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        worker_id="w", defaults={"started_at": now - timedelta(days=1), "seen_at": now - ago}
    )


def test_warns_while_no_worker_has_run(site_a: ClinicSite, staff_client: Client) -> None:
    page = staff_client.get("/clinic/").content.decode()
    assert 'id="worker-down"' in page
    assert "Reminders and alerts are not going out." in page
    assert "has not run yet" in page


def test_says_when_a_stopped_worker_last_ran(site_a: ClinicSite, staff_client: Client) -> None:
    _beat(DEAD_AFTER + timedelta(minutes=10))
    page = staff_client.get("/clinic/today/").content.decode()
    assert 'id="worker-down"' in page and "last ran on" in page


def test_no_warning_while_a_worker_beats(site_a: ClinicSite, staff_client: Client) -> None:
    _beat(timedelta(seconds=10))
    assert 'id="worker-down"' not in staff_client.get("/clinic/").content.decode()


def test_warning_in_arabic(site_a: ClinicSite, staff_client: Client) -> None:
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get("/clinic/").content.decode()
    assert "التذكيرات والتنبيهات لا تُرسل." in page
    assert '<code dir="ltr">mesosafe worker</code>' in page


def test_login_page_shows_no_warning(client: Client, db: None) -> None:
    assert 'id="worker-down"' not in client.get("/clinic/login/").content.decode()
