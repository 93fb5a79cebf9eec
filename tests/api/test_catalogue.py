"""Products, batches, staff and batch recall."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site


def test_products_and_batches(client: Client, site: Site) -> None:
    product = client.post(
        f"{API}/products",
        {"name": "HA 1%", "ingredients": ["hyaluronic acid"]},
        content_type="application/json",
        **site.headers(),
    )
    assert product.status_code == 201
    body = {
        "product_id": product.json()["id"],
        "lot_number": "HA-001",
        "expires_on": "2030-01-01",
        "multi_dose_vial": True,
    }
    batch = client.post(f"{API}/batches", body, content_type="application/json", **site.headers())
    assert batch.status_code == 201 and batch.json()["multi_dose_vial"] is True
    duplicate = client.post(f"{API}/batches", body, content_type="application/json", **site.headers())
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "lot_number"
    assert client.get(f"{API}/batches", **site.headers()).json()["count"] == 2
    assert client.get(f"{API}/products", **site.headers()).json()["count"] == 2
    assert client.get(f"{API}/staff", **site.headers()).json()["items"][0]["role"] == "practitioner"


def test_batch_recipients(
    client: Client,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    site, other = make_site(lot="SHARED-LOT"), make_site(lot="SHARED-LOT")
    amal, sara = make_patient(site, name="Amal"), make_patient(site, name="Sara", email="sara@example.com")
    make_treatment(site, amal, days_ago=5)
    make_treatment(site, sara, days_ago=1)
    make_treatment(other, make_patient(other, name="Elsewhere"), days_ago=1)

    recipients = client.get(f"{API}/batches/SHARED-LOT/recipients", **site.headers()).json()
    assert recipients["count"] == 2
    assert [(r["name"], r["email"]) for r in recipients["items"]] == [
        ("Sara", "sara@example.com"),
        ("Amal", "amal@example.com"),
    ]
    assert client.get(f"{API}/batches/NO-SUCH-LOT/recipients", **site.headers()).status_code == 404
    assert client.get(f"{API}/batches/shared-lot/recipients", **site.headers()).json()["count"] == 2


def test_a_batch_differing_only_in_case_is_a_conflict(client: Client, site: Site) -> None:
    """Recipients are found whatever the lot's case, so the same lot in another case is refused (409)."""
    product = client.post(
        f"{API}/products", {"name": "HA 1%"}, content_type="application/json", **site.headers()
    ).json()
    body = {"product_id": product["id"], "lot_number": "DXB-24-001", "expires_on": "2030-01-01"}
    first = client.post(f"{API}/batches", body, content_type="application/json", **site.headers())
    assert first.status_code == 201
    again = client.post(
        f"{API}/batches",
        {**body, "lot_number": "dxb-24-001"},
        content_type="application/json",
        **site.headers(),
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "lot_number"
    lots = [b["lot_number"] for b in client.get(f"{API}/batches", **site.headers()).json()["items"]]
    assert "dxb-24-001" not in lots and "DXB-24-001" in lots


def test_a_product_of_blank_words_is_refused(client: Client, site: Site) -> None:
    for body, field in (
        ({"name": "   "}, "name"),
        ({"name": "HA", "ingredients": [""]}, "ingredients[0]"),
        ({"name": "HA", "ingredients": ["hyaluronic acid", " \u200b"]}, "ingredients[1]"),
    ):
        response = client.post(f"{API}/products", body, content_type="application/json", **site.headers())
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, body
    assert client.get(f"{API}/products", **site.headers()).json()["count"] == 1  # the site's own
