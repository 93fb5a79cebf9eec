"""Batch recall (views/recall.py): a lot found whatever its case, within the staff member's clinic."""

from __future__ import annotations

from datetime import UTC, datetime

from django.test import Client

from mesosafe.audit.models import AuditEvent
from mesosafe.clinics.models import Batch
from mesosafe.treatments.models import Treatment
from mesosafe.treatments.recall import batch_recipients
from tests.pages_fixtures import ClinicSite, build_case


def test_recall_lists_everyone_who_received_the_lot(site_a: ClinicSite, staff_client: Client) -> None:
    build_case(site_a, name="Amal")
    build_case(site_a, name="Noor")
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "Amal" in page and "Noor" in page and "2 treatments received this lot." in page
    assert AuditEvent.objects.filter(object_type="recall").count() == 2


def test_lot_matches_whatever_its_case_and_spaces(site_a: ClinicSite, staff_client: Client) -> None:
    Batch.objects.filter(pk=site_a.batch.pk).update(lot_number="DXB-24-001")
    build_case(site_a, name="Amal")
    for typed in ("dxb-24-001", "  Dxb-24-001 ", "DXB-24-001"):
        page = staff_client.get("/clinic/recall/", {"lot": typed}).content.decode()
        assert "Amal" in page and "1 treatment received this lot." in page, typed
        assert '<span dir="ltr">DXB-24-001</span>' in page  # the lot as recorded


def test_unknown_lot(site_a: ClinicSite, staff_client: Client) -> None:
    page = staff_client.get("/clinic/recall/", {"lot": "NOPE"}).content.decode()
    assert 'This clinic has no lot <span dir="ltr">NOPE</span>.' in page
    assert "No patient received" not in page


def test_lot_nobody_received(site_a: ClinicSite, staff_client: Client) -> None:
    page = staff_client.get("/clinic/recall/", {"lot": "lot-a-001"}).content.decode()
    assert 'No patient received lot <span dir="ltr">lot-a-001</span>.' in page
    assert "This clinic has no lot" not in page and "NCTF 135HA" in page  # the batch itself is shown


def test_other_clinics_lot_is_not_shown(site_a: ClinicSite, site_b: ClinicSite, staff_client: Client) -> None:
    build_case(site_b, name="Bea")
    page = staff_client.get("/clinic/recall/", {"lot": "lot-b-001"}).content.decode()
    assert "Bea" not in page and 'This clinic has no lot <span dir="ltr">lot-b-001</span>.' in page


def test_same_lot_in_another_clinic_stays_there(
    site_a: ClinicSite, site_b: ClinicSite, staff_client: Client
) -> None:
    Batch.objects.filter(pk=site_b.batch.pk).update(lot_number="lot-a-001")
    build_case(site_a, name="Amal")
    build_case(site_b, name="Bea")
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert "Amal" in page and "Bea" not in page and "1 treatment received this lot." in page
    assert [r.name for r in batch_recipients(site_b.clinic, "LOT-A-001")] == ["Bea"]


def test_treatment_date_is_unambiguous(site_a: ClinicSite, staff_client: Client) -> None:
    case = build_case(site_a, name="Amal")
    Treatment.objects.filter(pk=case.treatment.pk).update(performed_at=datetime(2026, 3, 12, 8, tzinfo=UTC))
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert '<td data-label="Treated">12 Mar 2026</td>' in page and "03/12/2026" not in page
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert '<td data-label="تاريخ العلاج">12 مارس 2026</td>' in page


def test_empty_form(site_a: ClinicSite, staff_client: Client) -> None:
    assert staff_client.get("/clinic/recall/").status_code == 200
    assert staff_client.get("/clinic/recall/", {"lot": ""}).status_code == 200


def test_the_recipients_download_as_a_formula_safe_csv(site_a: ClinicSite, staff_client: Client) -> None:
    import csv
    import io

    build_case(site_a, name='=HYPERLINK("http://evil.test","Amal")')
    build_case(site_a, name="نور")
    page = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001"}).content.decode()
    assert 'href="?lot=LOT-A-001&amp;format=csv"' in page
    response = staff_client.get("/clinic/recall/", {"lot": "LOT-A-001", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="recall-LOT-A-001.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["patient_id", "name"] and len(rows) == 3
    # the formula is text, not a formula
    names = {row[1] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://evil.test","Amal")', "نور"}
    assert all(row[7] == "LOT-A-001" for row in rows[1:])
    assert AuditEvent.objects.filter(object_type="recall").count() == 4  # the page's reads and the download's


def test_lot_typed_in_arabic_indic_digits(site_a: ClinicSite, staff_client: Client) -> None:
    """An Arabic keyboard types '٠٠١': found as the lot form records it, with Western digits."""
    Batch.objects.filter(pk=site_a.batch.pk).update(lot_number="DXB-24-001")
    build_case(site_a, name="Amal")
    page = staff_client.get("/clinic/recall/", {"lot": "DXB-٢٤-٠٠١"}).content.decode()
    assert "Amal" in page and "1 treatment received this lot." in page
    assert "This clinic has no lot" not in page
    assert "?lot=DXB-24-001&amp;format=csv" in page
