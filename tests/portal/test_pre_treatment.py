"""The pre-treatment link: home says screening comes next, the screening works and is the patient's latest,
the FAQ works, and pages that need a treatment are 404; expired or revoked links are 404."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mesosafe.patients.models import Patient, Screening
from mesosafe.patients.services import latest_screening, needs_override
from mesosafe.treatments.models import ScreeningLink
from mesosafe.treatments.services import issue_screening_link, revoke_screening_link
from tests.pages_fixtures import ClinicSite
from tests.portal.test_screening import answers


@pytest.fixture
def patient(site_a: ClinicSite) -> Patient:
    return Patient.objects.create(
        clinic=site_a.clinic,
        name="Noor",
        date_of_birth=date(1992, 3, 4),
        email="",
        phone="+971500000002",
        preferred_language="en",
    )


@pytest.fixture
def token(patient: Patient) -> str:
    return issue_screening_link(patient)[1]


def test_home_says_screening_is_next(client: Client, token: str) -> None:
    response = client.get(f"/p/{token}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Next step: health questions" in page and f"/p/{token}/screening/" in page
    assert f"/p/{token}/checkin/" not in page and f"/p/{token}/aftercare/" not in page
    assert "no-store" in response["Cache-Control"]


def test_screening_is_stored_as_the_latest_and_shown(client: Client, token: str, patient: Patient) -> None:
    response = client.post(f"/p/{token}/screening/", answers(pregnant="yes"))
    stored = Screening.objects.get(patient=patient)
    assert response.status_code == 302 and response["Location"] == f"/p/{token}/screening/{stored.id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Treatment is not recommended" in page and "Getting ready" in page
    assert latest_screening(patient) == stored and needs_override(stored)
    assert f"/p/{token}/screening/{stored.id}/" in client.get(f"/p/{token}/").content.decode()


def test_faq_and_arabic(client: Client, token: str) -> None:
    assert client.get(f"/p/{token}/faq/").status_code == 200
    client.cookies["django_language"] = "ar"
    page = client.get(f"/p/{token}/").content.decode()
    assert 'dir="rtl"' in page and "الخطوة التالية" in page


@pytest.mark.parametrize(
    "path", ["aftercare/", "aftercare.ics", "checkin/", "checkin/1/", "recovery/", "photos/1"]
)
def test_treatment_pages_are_404(client: Client, token: str, path: str) -> None:
    assert client.get(f"/p/{token}/{path}").status_code == 404


def test_checkin_post_is_404(client: Client, token: str) -> None:
    assert client.post(f"/p/{token}/checkin/", {"symptoms": "bruising"}).status_code == 404


def test_another_patients_screening_is_404(client: Client, token: str, site_a: ClinicSite) -> None:
    other = Patient.objects.create(
        clinic=site_a.clinic, name="Other", date_of_birth=date(1980, 1, 1), preferred_language="en"
    )
    theirs = Screening.objects.create(patient=other, answers={}, decision="proceed", kb_version="x")
    assert client.get(f"/p/{token}/screening/{theirs.id}/").status_code == 404


def test_revoked_and_expired_are_410_a_replaced_one_404(client: Client, patient: Patient, token: str) -> None:
    revoke_screening_link(patient)
    assert client.get(f"/p/{token}/").status_code == 410  # the holder is told whom to call
    fresh = issue_screening_link(patient)[1]
    assert client.get(f"/p/{token}/").status_code == 404  # the old token stays dead, now unknown
    assert client.get(f"/p/{fresh}/").status_code == 200
    ScreeningLink.objects.filter(patient=patient).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/p/{fresh}/").status_code == 410
    assert client.get(f"/p/{fresh}/screening/").status_code == 410


def test_only_the_hash_is_stored(patient: Patient, token: str) -> None:
    link = ScreeningLink.objects.get(patient=patient)
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert timedelta(days=29) < link.expires_at - timezone.now() <= timedelta(days=30)
