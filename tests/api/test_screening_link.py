"""POST /patients/{id}/screening-link: a pre-treatment link, shown once, emailed; the patient sends a
screening with it, and every other patient endpoint answers 404 for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from mesosafe.lib.tokens import digest
from mesosafe.patients.models import Patient
from mesosafe.patients.services import latest_screening, needs_override
from mesosafe.treatments.models import ScreeningLink
from tests.service_fixtures import API, Site, link_headers


def issue(client: Client, site: Site, patient_id: int) -> Any:
    return client.post(f"{API}/patients/{patient_id}/screening-link", **site.headers())


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_issue_returns_the_token_once_and_emails_it(
    client: Client, site: Site, make_patient: Callable[..., Patient], django_capture_on_commit_callbacks: Any
) -> None:
    patient = make_patient(site)
    with django_capture_on_commit_callbacks(execute=True):
        response = issue(client, site, patient.id)
    assert response.status_code == 201, response.content
    body = response.json()
    token = body["token"]
    assert body["link"] == f"/p/{token}/" and body["usable"] is True and body["revoked_at"] is None
    assert ScreeningLink.objects.get(patient=patient).token_hash == digest(token)
    [message] = mail.outbox
    assert message.to == [patient.email] and f"/p/{token}/" in message.body
    # the patient's record does not echo the token
    assert token not in client.get(f"{API}/patients/{patient.id}", **site.headers()).content.decode()


def test_patient_without_email_gets_no_mail(
    client: Client, site: Site, make_patient: Callable[..., Patient], django_capture_on_commit_callbacks: Any
) -> None:
    patient = make_patient(site, email="")
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with django_capture_on_commit_callbacks(execute=True):
            assert issue(client, site, patient.id).status_code == 201
        assert mail.outbox == []


def test_another_clinics_patient_is_404(
    client: Client, make_site: Callable[..., Site], make_patient: Callable[..., Patient]
) -> None:
    mine, theirs = make_site(), make_site()
    patient = make_patient(theirs)
    for path in ("screening-link", "screening-link/revoke"):
        response = client.post(f"{API}/patients/{patient.id}/{path}", **mine.headers())
        assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert not ScreeningLink.objects.exists()


def test_needs_a_staff_key(client: Client, site: Site, make_patient: Callable[..., Patient]) -> None:
    patient = make_patient(site)
    response = client.post(f"{API}/patients/{patient.id}/screening-link")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"


def test_patient_screens_with_the_link(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    token = issue(client, site, patient.id).json()["token"]
    response = client.post(
        f"{API}/patient/screening",
        {"age": 30, "pregnant": True},
        content_type="application/json",
        **link_headers(token),
    )
    assert response.status_code == 201, response.content
    assert response.json()["decision"] == "do_not_treat"
    stored = latest_screening(patient)
    assert stored is not None and stored.id == response.json()["id"] and needs_override(stored)
    detail = client.get(f"{API}/patients/{patient.id}", **site.headers()).json()
    assert detail["needs_override"] is True and detail["latest_screening"]["id"] == stored.id


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/patient/me", None),
        ("get", "/patient/aftercare.ics", None),
        (
            "post",
            "/patient/checkins",
            {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "same", "spreading": False}]},
        ),
    ],
)
def test_other_patient_endpoints_are_404(
    client: Client, site: Site, make_patient: Callable[..., Patient], method: str, path: str, body: Any
) -> None:
    token = issue(client, site, make_patient(site).id).json()["token"]
    if method == "get":
        response = client.get(f"{API}{path}", **link_headers(token))
    else:
        response = client.post(f"{API}{path}", body, content_type="application/json", **link_headers(token))
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_revoked_or_expired_link_is_404(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    token = issue(client, site, patient.id).json()["token"]
    revoked = client.post(f"{API}/patients/{patient.id}/screening-link/revoke", **site.headers())
    assert revoked.status_code == 200 and revoked.json()["usable"] is False
    screen = {"age": 30}
    assert (
        client.post(
            f"{API}/patient/screening", screen, content_type="application/json", **link_headers(token)
        ).status_code
        == 404
    )
    fresh = issue(client, site, patient.id).json()["token"]
    ScreeningLink.objects.filter(patient=patient).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert (
        client.post(
            f"{API}/patient/screening", screen, content_type="application/json", **link_headers(fresh)
        ).status_code
        == 404
    )


def test_revoke_without_a_link_is_404(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    response = client.post(f"{API}/patients/{patient.id}/screening-link/revoke", **site.headers())
    assert response.status_code == 404
