"""What every answer of the API carries, whatever its route: `Cache-Control: private, no-store`, so no
browser or client HTTP cache keeps patient data on disk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers


def test_every_api_answer_is_private_and_not_stored(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = make_patient(site)
    treatment, token = make_treatment(site, patient)
    answers = {
        "staff read": client.get(f"{API}/patients/{patient.id}", **site.headers()),
        "staff list": client.get(f"{API}/patients?limit=5", **site.headers()),
        "staff HEAD": client.head(f"{API}/treatments/{treatment.id}", **site.headers()),
        "patient read": client.get(f"{API}/patient/me", **link_headers(token)),
        "FHIR bundle": client.get(f"{API}/patients/{patient.id}/fhir", **site.headers()),
        "not found": client.get(f"{API}/patients/999999", **site.headers()),
        "no key": client.get(f"{API}/patients/{patient.id}"),
        "refused body": client.post(f"{API}/patients", "{", "application/json", **site.headers()),
        "wrong method": client.delete(f"{API}/patient/me", **link_headers(token)),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "staff read": 200,
        "staff list": 200,
        "staff HEAD": 200,
        "patient read": 200,
        "FHIR bundle": 200,
        "not found": 404,
        "no key": 401,
        "refused body": 400,
        "wrong method": 405,
    }
    caching = {name: answer.get("Cache-Control") for name, answer in answers.items()}
    assert caching == dict.fromkeys(answers, "private, no-store")
