"""The registry page: across clinics, only for users with the view_registry permission."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import Client

from mesosafe.patients.models import Patient
from mesosafe.registry.models import RegistryReport
from tests.service_fixtures import Site


@pytest.fixture
def analyst(db: Any) -> User:
    user = User.objects.create_user("analyst", password="pw-analyst-1")
    user.user_permissions.add(Permission.objects.get(codename="view_registry"))
    return user


def test_clinic_staff_without_the_permission_are_refused(client: Client, site: Site) -> None:
    client.force_login(site.staff.user)
    assert client.get("/registry/").status_code == 403
    assert client.post("/registry/reports/").status_code == 403


def test_anonymous_users_go_to_login(client: Client, db: Any) -> None:
    response = client.get("/registry/")
    assert response.status_code == 302 and "/clinic/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_an_analyst_builds_a_report_and_sees_the_funnel_plots(
    client: Client,
    analyst: User,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    tmp_path: Any,
    settings: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    for site in (make_site(), make_site()):
        for n in range(3):
            make_treatment(site, make_patient(site, name=f"P{n}"), days_ago=20 + n)
    client.force_login(analyst)
    assert "No report yet" in client.get("/registry/").content.decode()
    assert client.post("/registry/reports/").status_code == 302
    assert "the worker is building it" in client.get("/registry/").content.decode()
    call_command("db_worker", batch=True)

    report = RegistryReport.objects.get()
    assert report.status == RegistryReport.Status.DONE, report.error
    assert report.status == RegistryReport.Status.DONE and report.treatments == 6
    page = client.get("/registry/").content.decode()
    assert 'id="funnel-clinic_complication"' in page and "<svg" in page  # drawn in the page
    # sessions 20-22 days ago: all in the warm-up; "0 cluster alerts" must not read as "no cluster"
    assert report.tested_windows == 0 and 'id="cusum-untested"' in page
    svg = f"/registry/reports/{report.pk}/funnel_clinic_complication.svg"  # the report's own plot
    image = client.get(svg)
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"
    assert client.get(f"/registry/reports/{report.pk}/secret_key").status_code == 404
    assert client.get(f"/registry/reports/{report.pk}/..%2Fsecret_key").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_empty_registry_gives_a_clear_message(
    client: Client, analyst: User, tmp_path: Any, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    client.force_login(analyst)
    client.post("/registry/reports/")
    call_command("db_worker", batch=True)
    assert RegistryReport.objects.get().status == RegistryReport.Status.FAILED
    assert "could not be built" in client.get("/registry/").content.decode()


def test_viewing_the_cases_of_an_alert_is_audited(
    client: Client,
    analyst: User,
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    tmp_path: Any,
    settings: Any,
) -> None:
    """A year of ordinary sessions (one infected, the background), then six infected sessions of one batch:
    the alert names them, and an analyst who opens the alert's files is recorded as having read each of
    those treatments."""
    from datetime import timedelta

    from mesosafe.audit.models import AuditEvent
    from mesosafe.complications.schemas import ComplicationIn
    from mesosafe.complications.services import create
    from mesosafe.registry import services

    settings.DATA_DIR = tmp_path
    for n in range(40):
        quiet, _ = make_treatment(site, make_patient(site, name=f"Quiet {n}"), days_ago=400 - 5 * n)
        if n == 5:
            onset = site.clinic.local_date(quiet.performed_at) + timedelta(days=20)
            create(quiet, ComplicationIn(onset_date=onset, grade=2, relatedness="possibly",
                                         symptom_codes=["pus"]), by=site.staff.user)  # fmt: skip
    infected = []
    for n in range(6):
        treatment, _ = make_treatment(site, make_patient(site, name=f"Case {n}"), days_ago=70 - n)
        onset = site.clinic.local_date(treatment.performed_at) + timedelta(days=20)
        create(treatment, ComplicationIn(onset_date=onset, grade=2, relatedness="possibly",
                                           symptom_codes=["pus"]), by=site.staff.user)  # fmt: skip
        infected.append(treatment)
    report = services.build(RegistryReport.objects.create(requested_by=analyst))
    assert report.status == RegistryReport.Status.DONE and report.alerts >= 1, report.error
    assert report.tested_windows
    client.force_login(analyst)
    before = AuditEvent.objects.count()
    assert client.get(f"/registry/reports/{report.pk}/rates_clinic.csv").status_code == 200
    assert AuditEvent.objects.count() == before  # a rate table names no treatment
    response = client.get(f"/registry/reports/{report.pk}/cusum_alert_cases.csv")
    assert response.status_code == 200
    listed = {line.split(",")[3] for line in b"".join(response.streaming_content).decode().splitlines()[1:]}
    assert listed == {str(t.pk) for t in infected}
    events = AuditEvent.objects.filter(user=analyst, action="read", object_type="treatment")
    assert {e.object_id for e in events} == listed
    assert {e.patient_id for e in events} == {t.patient_id for t in infected}
    assert all(e.clinic_id == site.clinic.pk and e.detail["file"] == "cusum_alert_cases.csv" for e in events)
    assert "cusum_alert_cases.csv" in client.get("/registry/").content.decode()


def _two_of_twelve(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any], analyst: User
) -> RegistryReport:
    """Twelve treatments, two of them with a suspected infection, built into a report."""
    from datetime import timedelta

    from mesosafe.complications.schemas import ComplicationIn
    from mesosafe.complications.services import create
    from mesosafe.registry import services

    for n in range(12):
        treatment, _ = make_treatment(site, make_patient(site, name=f"P{n}"), days_ago=60 - n)
        if n < 2:
            onset = site.clinic.local_date(treatment.performed_at) + timedelta(days=10)
            data = ComplicationIn(onset_date=onset, grade=2, relatedness="possibly", symptom_codes=["pus"])
            create(treatment, data, by=site.staff.user)
    report = services.build(RegistryReport.objects.create(requested_by=analyst))
    assert report.status == RegistryReport.Status.DONE, report.error
    return report


def test_the_page_lists_every_unit_with_its_figures_and_dates_in_the_service_zone(
    client: Client,
    analyst: User,
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    tmp_path: Any,
    settings: Any,
) -> None:
    """Issue 15.18–21 on the served page: the baseline risk of 2 of 12 is 16.7%; every unit is a row of the
    table; the report's time is in the configured zone, named; the button is a styled button; no inline
    script; the status endpoint says whether the report is built."""
    from django.utils import timezone

    settings.DATA_DIR, settings.TIME_ZONE = tmp_path, "Asia/Dubai"
    report = _two_of_twelve(site, make_patient, make_treatment, analyst)
    client.force_login(analyst)
    page = client.get("/registry/").content.decode()
    assert "Baseline risk of a suspected infection: 16.7% of treatments." in page
    assert "2 of them with a suspected infection" in page
    finished = timezone.localtime(report.finished_at, timezone.get_default_timezone())
    assert f"{finished:%H:%M} (Asia/Dubai)" in page and f"{finished.day} {finished:%B %Y}" in page
    assert "a.m." not in page and "p.m." not in page
    section = page.split('id="funnel-practitioner_infection"')[1].split("</section>")[0]
    assert section.count("<tr class=") == 1  # one practitioner: one row
    assert "16.7%" in section and "Within the 95% limits" in section and "Treatments (number)" in section
    assert re.search(r"<svg[^>]*role=\"img\"", section) and "funnel_" not in section.split("<table")[0]
    assert '<button type="submit" class="button primary">Build a new report</button>' in page
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page)  # a strict CSP is coming
    status = client.get(f"/registry/reports/{report.pk}/status")
    assert status.json() == {"id": report.pk, "status": "done"} and "HX-Refresh" not in status
    assert client.get(f"/registry/reports/{report.pk}/status", HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def test_the_arabic_page_draws_its_charts_and_dates_in_arabic(
    client: Client,
    analyst: User,
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    tmp_path: Any,
    settings: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    _two_of_twelve(site, make_patient, make_treatment, analyst)
    client.force_login(analyst)
    client.cookies["django_language"] = "ar"
    page = client.get("/registry/").content.decode()
    assert 'lang="ar"' in page
    for text in (
        "معدل اشتباه العدوى حسب العيادة",
        "العلاجات (عددها)",
        "المعدل (% من العلاجات)",
        "المعدل المجمّع 16.7%",
    ):
        assert text in page, text
    assert "Suspected-infection rate" not in page and "Treatments (number)" not in page
    assert "(UTC)" in page and re.search(
        r"\d+ (يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر) \d{4}، \d\d:\d\d",
        page,
    )


def test_a_queued_report_polls_its_status_without_an_inline_script(client: Client, analyst: User) -> None:
    report = RegistryReport.objects.create(requested_by=analyst)
    client.force_login(analyst)
    page = client.get("/registry/").content.decode()
    assert f'hx-get="/registry/reports/{report.pk}/status"' in page and 'hx-trigger="every 3s"' in page
    polled = client.get(f"/registry/reports/{report.pk}/status", HTTP_HX_REQUEST="true")
    assert polled.json()["status"] == "queued" and "HX-Refresh" not in polled
    assert client.get("/registry/reports/999999/status").status_code == 404


def test_the_registry_page_has_a_log_out_button(client: Client, analyst: User) -> None:
    client.force_login(analyst)
    page = client.get("/registry/").content.decode()
    assert '<form action="/clinic/logout/" method="post"' in page and ">Log out</button>" in page
    client.post("/clinic/logout/")
    assert client.get("/registry/").status_code == 302  # logged out: back to the login page
