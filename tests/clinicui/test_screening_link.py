"""Send a screening link from the patient's page: shown once, emailed, stored as a hash; another clinic's
patient is 404; a screening through the link reaches the record-a-treatment warning."""

from __future__ import annotations

import re
from datetime import date

from django.core import mail
from django.test import Client, override_settings

from mesosafe.audit.models import AuditEvent
from mesosafe.lib.tokens import digest
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import ScreeningLink
from tests.pages_fixtures import ClinicSite
from tests.portal.test_screening import answers


def new_patient(site: ClinicSite, email: str = "noor@example.com") -> Patient:
    return Patient.objects.create(
        clinic=site.clinic,
        name="Noor",
        date_of_birth=date(1992, 3, 4),
        email=email,
        preferred_language="en",
    )


def issued_link(page: str) -> str:
    found = re.search(r'id="patient-link" type="text" readonly value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def test_button_on_the_patient_page(site_a: ClinicSite, staff_client: Client) -> None:
    patient = new_patient(site_a)
    page = staff_client.get(f"/clinic/patients/{patient.id}/").content.decode()
    assert "Send a screening link" in page and f"/clinic/patients/{patient.id}/screening-link/" in page


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_issue_shows_once_and_emails(
    site_a: ClinicSite, staff_client: Client, django_capture_on_commit_callbacks: object
) -> None:
    patient = new_patient(site_a)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = staff_client.post(f"/clinic/patients/{patient.id}/screening-link/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # it holds the raw token
    url = issued_link(response.content.decode())
    token = url.rsplit("/p/", 1)[1].strip("/")
    assert ScreeningLink.objects.get(patient=patient).token_hash == digest(token)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["noor@example.com"]
    assert f"/p/{token}/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(object_type="screening_link", patient_id=patient.id).exists()
    # the patient page no longer shows the token, only the link's state
    page = staff_client.get(f"/clinic/patients/{patient.id}/").content.decode()
    assert token not in page and "A screening link was sent" in page


def test_get_is_not_allowed(site_a: ClinicSite, staff_client: Client) -> None:
    patient = new_patient(site_a)
    assert staff_client.get(f"/clinic/patients/{patient.id}/screening-link/").status_code == 405
    assert not ScreeningLink.objects.exists()


def test_another_clinics_patient_is_404(site_b: ClinicSite, staff_client: Client) -> None:
    theirs = new_patient(site_b)
    assert staff_client.post(f"/clinic/patients/{theirs.id}/screening-link/").status_code == 404
    assert not ScreeningLink.objects.exists()


def test_login_required(site_a: ClinicSite, client: Client) -> None:
    patient = new_patient(site_a)
    response = client.post(f"/clinic/patients/{patient.id}/screening-link/")
    assert response.status_code == 302 and "/clinic/login/" in response["Location"]
    assert not ScreeningLink.objects.exists()


def test_screening_through_the_link_warns_when_recording(
    site_a: ClinicSite, staff_client: Client, client: Client
) -> None:
    patient = new_patient(site_a, email="")
    url = issued_link(staff_client.post(f"/clinic/patients/{patient.id}/screening-link/").content.decode())
    path = "/p/" + url.rsplit("/p/", 1)[1]
    assert client.post(path + "screening/", answers(pregnant="yes")).status_code == 302
    page = staff_client.get(f"/clinic/patients/{patient.id}/treatments/new/").content.decode()
    assert "Treatment is not recommended" in page


def test_stop_the_screening_link(site_a: ClinicSite, staff_client: Client, client: Client) -> None:
    patient = new_patient(site_a, email="")
    url = issued_link(staff_client.post(f"/clinic/patients/{patient.id}/screening-link/").content.decode())
    path = "/p/" + url.rsplit("/p/", 1)[1]
    assert client.get(path).status_code == 200
    stop = f"/clinic/patients/{patient.id}/screening-link/stop/"
    assert stop in staff_client.get(f"/clinic/patients/{patient.id}/").content.decode()
    page = staff_client.post(stop, follow=True).content.decode()
    assert "The screening link no longer works" in page and "The last screening link was revoked" in page
    assert stop not in page
    assert client.get(path).status_code == 410
    assert AuditEvent.objects.filter(object_type="screening_link", action="update").exists()


def test_stop_another_clinics_screening_link_is_404(site_b: ClinicSite, staff_client: Client) -> None:
    theirs = new_patient(site_b)
    assert staff_client.post(f"/clinic/patients/{theirs.id}/screening-link/stop/").status_code == 404
