"""The Django admin for clinics, staff, products and batches, with the batch-recall action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.test import Client

from mesosafe.clinics.models import Clinic
from mesosafe.patients.models import Patient
from tests.service_fixtures import Site


def test_admin_lists_and_recall_action(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    make_treatment(site, make_patient(site, name="Amal Recall"))
    admin = User.objects.create_superuser("root-admin", "admin@example.com", "a-long-password-1")
    client.force_login(admin)
    for model in ("clinic", "staff", "product", "batch", "apikey"):
        assert client.get(f"/admin/clinics/{model}/").status_code == 200, model
    response = client.post(
        "/admin/clinics/batch/", {"action": "show_recipients", "_selected_action": [site.batch.id]}
    )
    assert response.status_code == 200
    assert b"Amal Recall" in response.content and site.batch.lot_number.encode() in response.content


def test_a_clinic_admin_sees_only_their_clinic(
    client: Client,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    own, other = make_site(name="Own Clinic", lot="LOT-OWN"), make_site(name="Other Clinic", lot="LOT-OTHER")
    make_treatment(other, make_patient(other, name="Bea Elsewhere"))
    user = own.staff.user
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="clinics"))
    client.force_login(user)
    listing = client.get("/admin/clinics/batch/").content.decode()
    assert "LOT-OWN" in listing and "LOT-OTHER" not in listing and "Other Clinic" not in listing
    for model, pk in (("batch", other.batch.id), ("product", other.product.id), ("clinic", other.clinic.id)):
        assert client.get(f"/admin/clinics/{model}/{pk}/change/").status_code == 302, model  # "doesn't exist"
    recall = client.post(
        "/admin/clinics/batch/", {"action": "show_recipients", "_selected_action": [other.batch.id]}
    )
    assert b"Bea Elsewhere" not in recall.content
    form = client.get("/admin/clinics/product/add/").content.decode()
    assert "Own Clinic" in form and "Other Clinic" not in form
    staff_form = client.get("/admin/clinics/staff/add/").content.decode()
    assert other.staff.user.username not in staff_form


def test_a_clinic_admin_cannot_make_an_analyst_or_an_operator_their_staff(client: Client, site: Site) -> None:
    analyst = User.objects.create_user("analyst-by-permission", password="a-long-password-1")
    analyst.user_permissions.add(Permission.objects.get(codename="view_registry"))
    in_group = User.objects.create_user("analyst-by-group", password="a-long-password-1")
    group = Group.objects.create(name="registry analysts")
    group.permissions.add(Permission.objects.get(codename="view_registry"))
    in_group.groups.add(group)
    User.objects.create_superuser("the-operator", "op@example.com", "a-long-password-1")
    User.objects.create_user("new-nurse", password="a-long-password-1")
    user = site.staff.user
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="clinics"))
    client.force_login(user)
    staff_form = client.get("/admin/clinics/staff/add/").content.decode()
    assert "new-nurse" in staff_form
    for name in ("analyst-by-permission", "analyst-by-group", "the-operator"):
        assert name not in staff_form, name


# Europe is a folder of zones; localtime is this machine's setting, Factory has no offset, right/ adds leap
# seconds
NOT_ZONES = ["Mars/Olympus", "Europe", "x" * 300, "localtime", "Factory", "right/UTC"]


@pytest.mark.parametrize("zone", NOT_ZONES)
def test_clinic_time_zone_must_be_a_known_zone(db: Any, zone: str) -> None:
    clinic = Clinic(name="X", country="AE", time_zone=zone)
    with pytest.raises(ValidationError) as caught:
        clinic.full_clean()
    assert "time_zone" in caught.value.message_dict


@pytest.mark.parametrize("ingredients", [5, "ascorbic acid, hyaluronic", ["ok", 3], ["ok", " "], {"a": 1}])
def test_product_ingredients_must_be_a_list_of_names(site: Site, ingredients: Any) -> None:
    site.product.ingredients = ingredients
    with pytest.raises(ValidationError) as caught:
        site.product.full_clean()
    assert "ingredients" in caught.value.message_dict


def test_admin_form_refuses_ingredients_that_are_not_a_list(client: Client, site: Site) -> None:
    client.force_login(User.objects.create_superuser("root-admin", "admin@example.com", "a-long-password-1"))
    url = f"/admin/clinics/product/{site.product.id}/change/"
    response = client.post(url, {"clinic": site.clinic.id, "name": "Vitamin C", "ingredients": "5"})
    assert response.status_code == 200 and "a list of ingredient names" in response.content.decode()
    site.product.refresh_from_db()
    assert site.product.ingredients == ["ascorbic acid"]
