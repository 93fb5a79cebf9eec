from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from mesosafe.clinicui.models import SpentFormToken
from mesosafe.clinicui.once import AlreadySent, _sent_token, new_token, spending
from mesosafe.patients.models import Patient
from tests.pages_fixtures import Case, ClinicSite


def test_a_twin_send_that_spends_the_token_meanwhile_undoes_the_work(case: Case, site_a: ClinicSite) -> None:
    """A double click's two requests both pass `sent_before`; the second one to spend the token is undone."""
    request = RequestFactory().post("/", {"form_token": "twin"})
    request.user = site_a.user
    SpentFormToken.objects.create(token="twin", user=site_a.user, result="/clinic/patients/1/")  # the first
    with pytest.raises(AlreadySent), spending(request):
        Patient.objects.filter(pk=case.patient.pk).update(name="Changed")
    assert Patient.objects.get(pk=case.patient.pk).name == "Amal"


@pytest.mark.parametrize(
    "path",
    [
        "/clinic/patients/new/",
        "/clinic/patients/{patient}/treatments/new/",
        "/clinic/treatments/{treatment}/complications/new/",
        "/clinic/products/new/",
        "/clinic/products/lots/new/",
        "/clinic/recall/send/",
        "/clinic/recall/contacted/",
        "/clinic/recall/not-reached/",
    ],
)
def test_a_nul_in_the_form_token_or_the_lot_is_a_page_not_a_500(
    case: Case, staff_client: Client, path: str
) -> None:
    """PostgreSQL refuses a NUL in a query's text: the token and a refused form's lot never reach it raw."""
    url = path.format(patient=case.patient.id, treatment=case.treatment.id)
    response = staff_client.post(
        url, {"form_token": "a\x00b", "lot": "L\x00T", "patient": str(case.patient.id)}
    )
    assert response.status_code in (200, 302, 400)


def test_only_a_token_as_the_page_makes_them_is_read(rf: RequestFactory) -> None:
    assert _sent_token(rf.post("/", {"form_token": new_token()})) != ""
    assert _sent_token(rf.post("/", {"form_token": "a\x00b"})) == ""
    assert _sent_token(rf.post("/", {"form_token": "x" * 65})) == ""
