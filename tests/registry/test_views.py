"""The registry page: across clinics, only for users with the view_registry permission."""

from __future__ import annotations

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
    svg = f"/registry/reports/{report.pk}/funnel_clinic_complication.svg"
    assert svg in page
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
    """A year of ordinary sessions, then six infected sessions of one batch: the alert names them, and an
    analyst who opens the alert's files is recorded as having read each of those treatments."""
    from datetime import timedelta

    from mesosafe.audit.models import AuditEvent
    from mesosafe.complications.schemas import ComplicationIn
    from mesosafe.complications.services import create
    from mesosafe.registry import services

    settings.DATA_DIR = tmp_path
    for n in range(40):
        make_treatment(site, make_patient(site, name=f"Quiet {n}"), days_ago=400 - 5 * n)
    infected = []
    for n in range(6):
        treatment, _ = make_treatment(site, make_patient(site, name=f"Case {n}"), days_ago=70 - n)
        onset = site.clinic.local_date(treatment.performed_at) + timedelta(days=20)
        create(treatment, ComplicationIn(onset_date=onset, grade=2, relatedness="possibly",
                                           symptom_codes=["pus"]), by=site.staff.user)  # fmt: skip
        infected.append(treatment)
    report = services.build(RegistryReport.objects.create(requested_by=analyst))
    assert report.status == RegistryReport.Status.DONE and report.alerts >= 1, report.error
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


def test_the_registry_page_has_a_log_out_button(client: Client, analyst: User) -> None:
    client.force_login(analyst)
    page = client.get("/registry/").content.decode()
    assert '<form action="/clinic/logout/" method="post"' in page and ">Log out</button>" in page
    client.post("/clinic/logout/")
    assert client.get("/registry/").status_code == 302  # logged out: back to the login page
