"""The clinic's exports: a complication's E2B(R3) report from the patient page, and the aftercare sheet
while a just-issued link is on screen (with that link's token only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.e2b import read
from mesosafe.patients.models import Patient
from mesosafe.sheets import aftercare
from tests.pages_fixtures import Case, ClinicSite


def _complication(case: Case, **values: object) -> Complication:
    data = ComplicationIn(
        onset_date=timezone.localdate() - timedelta(days=1),
        grade=2,
        relatedness="possibly",
        symptom_codes=["lump"],
        **values,
    )  # type: ignore[arg-type]
    return create(case.treatment, data, by=case.site.user)


def test_the_patient_page_offers_the_report_and_it_downloads(staff_client: Client, case: Case) -> None:
    complication = _complication(case)
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    assert f"/clinic/complications/{complication.id}/icsr.xml" in page
    response = staff_client.get(f"/clinic/complications/{complication.id}/icsr.xml")
    assert response.status_code == 200 and read(response.content)[0].drugs[0].lot == "LOT-A-001"
    assert AuditEvent.objects.filter(object_type="complication_icsr", patient_id=case.patient.id).exists()


def test_a_report_missing_its_minimum_says_which_field(staff_client: Client, case: Case) -> None:
    complication = _complication(case)
    Complication.objects.filter(id=complication.id).update(symptom_codes=[])
    response = staff_client.get(f"/clinic/complications/{complication.id}/icsr.xml", follow=True)
    assert response.redirect_chain and "symptom_codes" in response.content.decode()


def test_another_clinics_report_is_404(staff_client: Client, site_b: ClinicSite) -> None:
    from tests.pages_fixtures import build_case

    complication = _complication(build_case(site_b))
    assert staff_client.get(f"/clinic/complications/{complication.id}/icsr.xml").status_code == 404


def test_the_sheet_with_the_issued_token_only(staff_client: Client, case: Case) -> None:
    issued = staff_client.post(f"/clinic/treatments/{case.treatment.id}/link/")
    token = issued.context["token"]
    assert f"/clinic/treatments/{case.treatment.id}/aftercare.pdf" in issued.content.decode()
    url = f"/clinic/treatments/{case.treatment.id}/aftercare.pdf"
    response = staff_client.post(url, {"token": token})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert staff_client.post(url, {"token": case.token}).status_code == 400  # the old link was replaced
    assert staff_client.post(url, {"token": ""}).status_code == 400


def test_the_sheet_is_made_once_per_link_and_language(
    staff_client: Client, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reprint of the same sheet comes from the cache (a PDF is about a second of CPU); another link or
    another language is another PDF. Every print is audited, cached or not."""
    made: list[str] = []
    monkeypatch.setattr(
        aftercare, "_render", lambda source: made.append(source) or f"%PDF {len(made)}".encode()
    )
    cache.clear()
    url = f"/clinic/treatments/{case.treatment.id}/aftercare.pdf"

    def printed(token: str) -> bytes:
        response = staff_client.post(url, {"token": token})
        assert response.status_code == 200
        return response.content

    def issued() -> str:
        token: str = staff_client.post(f"/clinic/treatments/{case.treatment.id}/link/").context["token"]
        return token

    token = issued()
    first = printed(token)
    assert printed(token) == first and len(made) == 1
    Patient.objects.filter(id=case.patient.id).update(preferred_language="ar")
    arabic = printed(token)
    other_link = printed(issued())
    assert len({first, arabic, other_link}) == 3 and len(made) == 3
    audited = AuditEvent.objects.filter(object_type="aftercare_sheet", patient_id=case.patient.id)
    assert audited.count() == 4
