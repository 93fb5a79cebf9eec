"""Reviewer's reproductions (branch `review`, /work/scratch/review.md): each test fails on the code as it is
and states what should hold instead. Each is a strict xfail so a merge keeps the suite green: a fix
makes it pass, and strict=True then fails until the marker is removed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers


def _bug(finding: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"review finding {finding} (/work/scratch/review.md)")


EMERGENCY = {"symptoms": [{"code": "breathing_difficulty"}]}


def _post(client: Client, token: str, body: dict[str, Any], **headers: str) -> Any:
    auth: Any = link_headers(token, **headers)
    return client.post(
        f"{API}/patient/checkins",
        data=json.dumps(body),
        content_type="application/json",
        **auth,
    )


@_bug("F1")
def test_an_emergency_is_accepted_after_many_requests_on_its_link(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """F1: the per-token request limit answers 429 to an emergency check-in (the hourly check-in limit
    deliberately never refuses an escalated one)."""
    _, token = make_treatment(site, make_patient(site), days_ago=2)
    client, auth = Client(), link_headers(token)
    headers: Any = auth
    for _ in range(60):
        client.get(f"{API}/patient/me", **headers)  # an app polling once a second
    assert _post(client, token, EMERGENCY).status_code == 201


@_bug("F2")
def test_a_retry_with_the_same_key_answers_the_stored_checkin_after_day_one_starts(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """F2: a stored check-in's retry (same key, same body) is re-validated against the current day and
    refused with a 422 once "since yesterday" applies, instead of answering with the stored check-in."""
    _, token = make_treatment(site, make_patient(site), days_ago=0.999)
    body = {"symptoms": [{"code": "pain", "severity": "severe"}]}
    client = Client()
    first = _post(client, token, body, HTTP_IDEMPOTENCY_KEY="K")
    assert first.status_code == 201 and first.json()["disposition"] == "urgent"
    later = timezone.now() + timedelta(hours=1)
    with mock.patch("mesosafe.checkins.services.timezone.now", return_value=later):
        retry = _post(client, token, body, HTTP_IDEMPOTENCY_KEY="K")
    assert retry.status_code in (200, 201) and retry.json()["id"] == first.json()["id"]
