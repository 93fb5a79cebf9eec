"""Products and lots (views/catalogue.py): the clinic's products with their lots; adding a product or a lot
with the API's own rules, so new vials can be chosen in the treatment form."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesosafe.audit.models import AuditEvent
from mesosafe.clinics.models import Batch, Product
from mesosafe.clinicui import forms
from tests.pages_fixtures import Case, ClinicSite, build_case

SOON = (date.today() + timedelta(days=400)).isoformat()


def lot(site: ClinicSite, **fields: Any) -> dict[str, Any]:
    return {"product": site.product.id, "lot_number": "LOT-A-002", "expires_on": SOON, **fields}


def error_of(response: Any, field: str) -> str:
    return str(
        response.context["lot_form" if field in forms.BatchForm.base_fields else "product_form"][field].errors
    )


def test_lists_products_with_their_lots(case: Case, staff_client: Client) -> None:
    site = case.site
    build_case(site, name="Noor")
    Batch.objects.create(
        product=site.product, lot_number="OLD-1", expires_on=date(2024, 12, 3), multi_dose_vial=True
    )
    Product.objects.create(clinic=site.clinic, name="Vitamin C 10%", manufacturer="Lab", ingredients=[])
    response = staff_client.get("/clinic/products/")
    page = response.content.decode()
    assert response.status_code == 200 and "NCTF 135HA" in page and "Vitamin C 10%" in page
    row = page[page.index(f'id="lot-{site.batch.id}"') :].split("</tr>")[0]
    shown = (site.batch.expires_on).strftime("%-d %b %Y")
    assert "LOT-A-001" in row and f"<td>{shown}</td>" in row and "<td>No</td><td>2</td>" in row
    old = page[page.index('dir="ltr">OLD-1') :].split("</tr>")[0]
    assert "3 Dec 2024" in old and "Expired" in old and "<td>Yes</td><td>0</td>" in old
    assert "No lots yet." in page  # Vitamin C
    assert 'href="/clinic/products/" aria-current="page"' in page  # the nav link


def test_arabic_dates_name_the_month(site_a: ClinicSite, staff_client: Client) -> None:
    Batch.objects.filter(pk=site_a.batch.pk).update(expires_on=date(2026, 12, 3))
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get("/clinic/products/").content.decode()
    assert "3 ديسمبر 2026" in page and "12/03/2026" not in page


def test_add_a_product(site_a: ClinicSite, staff_client: Client) -> None:
    details = {
        "name": "Lipo Lab PPC",
        "manufacturer": "Lipo Lab",
        "ingredients": " phosphatidylcholine, deoxycholate،  , vitamin B ",
        "approval_reference": "KFDA-123",
    }
    response = staff_client.post("/clinic/products/new/", details)
    product = Product.objects.get(name="Lipo Lab PPC")
    assert response.status_code == 302 and response["Location"] == f"/clinic/products/?product={product.id}"
    assert product.clinic_id == site_a.clinic.id
    assert product.ingredients == ["phosphatidylcholine", "deoxycholate", "vitamin B"]
    assert product.approval_reference == "KFDA-123"
    event = AuditEvent.objects.get(object_type="product")
    assert (event.action, event.object_id, event.patient_id, event.method) == (
        "create",
        str(product.id),
        None,
        "POST",
    )
    page = staff_client.get(response["Location"]).content.decode()
    assert "Product Lipo Lab PPC added." in page
    assert f'<option value="{product.id}" selected>' in page  # ready for its first lot


@pytest.mark.parametrize(
    ("details", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        (
            {"manufacturer": "m" * 121},
            "manufacturer",
            "at most 120 characters",
        ),  # the API's limit, not the column's
        ({"ingredients": "ok, " + "x" * 121}, "ingredients", "Ingredient 2: "),
        ({"ingredients": ",".join(f"i{n}" for n in range(51))}, "ingredients", "at most 50 items"),
        ({"approval_reference": "r" * 121}, "approval_reference", "at most 120 characters"),
        ({"name": "bad\x00name"}, "name", "Null characters are not allowed."),
    ],
)
def test_bad_product_names_the_field_and_keeps_input(
    site_a: ClinicSite, staff_client: Client, details: dict[str, str], field: str, message: str
) -> None:
    posted = {"name": "Dermaheal", "manufacturer": "Caregen", "ingredients": "peptides, vitamin C"} | details
    response = staff_client.post("/clinic/products/new/", posted)
    assert response.status_code == 400
    assert message in error_of(response, field)
    page = response.content.decode()
    assert 'value="Caregen"' in page or field == "manufacturer"
    assert "peptides, vitamin C" in page or field == "ingredients"
    assert not Product.objects.filter(manufacturer="Caregen").exists()
    assert not AuditEvent.objects.exists()


def test_add_a_lot_and_pick_it_in_the_treatment_form(case: Case, staff_client: Client) -> None:
    response = staff_client.post("/clinic/products/lots/new/", lot(case.site, multi_dose_vial="on"))
    assert response.status_code == 302 and response["Location"] == "/clinic/products/"
    batch = Batch.objects.get(lot_number="LOT-A-002")
    assert batch.product_id == case.site.product.id and batch.multi_dose_vial
    event = AuditEvent.objects.get(object_type="batch")
    assert (event.action, event.object_id, event.patient_id) == ("create", str(batch.id), None)
    page = staff_client.get("/clinic/products/").content.decode()
    assert "Lot LOT-A-002 of NCTF 135HA added." in page and f'id="lot-{batch.id}"' in page
    form = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    assert f'<option value="{batch.id}">NCTF 135HA — lot LOT-A-002' in form


def test_duplicate_lot_is_a_form_error(site_a: ClinicSite, staff_client: Client) -> None:
    response = staff_client.post("/clinic/products/lots/new/", lot(site_a, lot_number="LOT-A-001"))
    assert response.status_code == 400
    assert "NCTF 135HA already has lot LOT-A-001." in error_of(response, "lot_number")
    assert Batch.objects.count() == 1
    other = Product.objects.create(clinic=site_a.clinic, name="Other")  # another product may share the number
    response = staff_client.post(
        "/clinic/products/lots/new/", lot(site_a, product=other.id, lot_number="LOT-A-001")
    )
    assert response.status_code == 302 and Batch.objects.filter(lot_number="LOT-A-001").count() == 2


def test_a_lot_differing_only_in_case_is_the_same_lot(site_a: ClinicSite, staff_client: Client) -> None:
    """A recall finds lots whatever their case, so 'lot-a-001' beside 'LOT-A-001' would be one lot recorded
    twice: refused on the lot field, naming the lot as recorded."""
    response = staff_client.post("/clinic/products/lots/new/", lot(site_a, lot_number="lot-a-001"))
    assert response.status_code == 400
    assert "NCTF 135HA already has lot LOT-A-001." in error_of(response, "lot_number")
    assert list(Batch.objects.values_list("lot_number", flat=True)) == ["LOT-A-001"]
    assert not AuditEvent.objects.filter(object_type="batch").exists()


def test_lot_added_meanwhile_is_a_form_error_too(
    site_a: ClinicSite, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two nurses adding the same lot at once: the database refuses the second, the page says why."""
    monkeypatch.setattr(forms.BatchForm, "clean", lambda self: self.cleaned_data)  # checked before the other
    response = staff_client.post("/clinic/products/lots/new/", lot(site_a, lot_number="LOT-A-001"))
    assert response.status_code == 400
    assert "NCTF 135HA already has lot LOT-A-001." in error_of(response, "lot_number")
    assert Batch.objects.count() == 1 and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"lot_number": "LOT 7"}, "lot_number", "Use only Latin letters, digits"),  # the API's pattern
        ({"lot_number": "لوط"}, "lot_number", "Use only Latin letters, digits"),
        ({"lot_number": ""}, "lot_number", "This field is required."),
        ({"lot_number": "L" * 65}, "lot_number", "at most 64 characters"),
        ({"expires_on": "1899-12-31"}, "expires_on", "1900 or later"),  # the API's RecentDate
        ({"expires_on": "2026-02-30"}, "expires_on", "Enter a valid date."),
        ({"product": ""}, "product", "This field is required."),
        ({"product": "999999"}, "product", "Select a valid choice."),
        ({"product": "abc"}, "product", "Select a valid choice."),
    ],
)
def test_bad_lot_names_the_field_and_keeps_input(
    site_a: ClinicSite, staff_client: Client, fields: dict[str, str], field: str, message: str
) -> None:
    response = staff_client.post("/clinic/products/lots/new/", lot(site_a, **fields))
    assert response.status_code == 400
    assert message in error_of(response, field)
    page = response.content.decode()
    assert f'value="{SOON}"' in page or field == "expires_on"
    assert Batch.objects.count() == 1 and not AuditEvent.objects.exists()


def test_expired_lot_is_recorded_as_the_api_allows(case: Case, staff_client: Client) -> None:
    response = staff_client.post("/clinic/products/lots/new/", lot(case.site, expires_on="2025-03-12"))
    assert response.status_code == 302
    page = staff_client.get("/clinic/products/").content.decode()
    assert "Lot LOT-A-002 expired on 12 Mar 2025: treatments after that date cannot use it." in page
    batch = Batch.objects.get(lot_number="LOT-A-002")
    assert "Expired" in page[page.index(f'id="lot-{batch.id}"') :].split("</tr>")[0]


def test_arabic_digits_in_a_lot_number(site_a: ClinicSite, staff_client: Client) -> None:
    response = staff_client.post("/clinic/products/lots/new/", lot(site_a, lot_number="LOT-٢٠٢٦-۰۷"))
    assert response.status_code == 302 and Batch.objects.filter(lot_number="LOT-2026-07").exists()


def test_get_on_the_form_urls_goes_to_the_page(site_a: ClinicSite, staff_client: Client) -> None:
    for url in ("/clinic/products/new/", "/clinic/products/lots/new/"):
        response = staff_client.get(url)
        assert response.status_code == 302 and response["Location"] == "/clinic/products/"


def test_staff_only(site_a: ClinicSite, client: Client) -> None:
    for url in ("/clinic/products/", "/clinic/products/new/", "/clinic/products/lots/new/"):
        assert client.get(url).status_code == 302
        assert client.post(url, {"name": "X"}).status_code == 302
    assert Product.objects.count() == 1


def test_clinic_without_products(site_a: ClinicSite, staff_client: Client) -> None:
    Batch.objects.all().delete()
    Product.objects.all().delete()
    page = staff_client.get("/clinic/products/").content.decode()
    assert 'id="no-products"' in page and 'id="add-lot"' not in page and 'id="add-product"' in page


VALUES = st.one_of(
    st.sampled_from(
        ["", "1", "999999", "-1", "on", "LOT-1", "a b", "1899-12-31", "9999-12-31", "٣", "x" * 300]
    ),
    st.text(max_size=30),
)
SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(data=st.dictionaries(st.sampled_from([*forms.BatchForm.base_fields, "name", "ingredients"]), VALUES))
def test_no_500(site_a: ClinicSite, staff_client: Client, data: dict[str, str]) -> None:
    assert staff_client.post("/clinic/products/new/", data).status_code in (302, 400)
    assert staff_client.post("/clinic/products/lots/new/", data).status_code in (302, 400)
