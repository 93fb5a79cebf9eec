from __future__ import annotations

import pytest
from django.test import RequestFactory

from mesosafe.clinicui.models import SpentFormToken
from mesosafe.clinicui.once import AlreadySent, spending
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
