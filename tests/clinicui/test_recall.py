from __future__ import annotations

from django.test import Client

from mesosafe.audit.models import AuditEvent
from tests.pages_fixtures import ClinicSite, build_case


def test_recall_lists_everyone_who_received_the_lot(site_a: ClinicSite, staff_client: Client) -> None:
    build_case(site_a, name="Amal")
    build_case(site_a, name="Noor")
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "Amal" in page and "Noor" in page and "2 treatments received this lot." in page
    assert AuditEvent.objects.filter(object_type="recall").count() == 2


def test_unknown_lot(site_a: ClinicSite, staff_client: Client) -> None:
    page = staff_client.get("/clinic/recall/", {"lot": "NOPE"}).content.decode()
    assert "No patient of this clinic received this lot." in page


def test_other_clinics_lot_is_not_shown(site_a: ClinicSite, site_b: ClinicSite, staff_client: Client) -> None:
    build_case(site_b, name="Bea")
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-B-001"}).content.decode()
    assert "Bea" not in page


def test_empty_form(site_a: ClinicSite, staff_client: Client) -> None:
    assert staff_client.get("/clinic/recall/").status_code == 200
    assert staff_client.get("/clinic/recall/", {"lot": ""}).status_code == 200
