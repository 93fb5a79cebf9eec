from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone

from mesosafe.checkins.services import submit
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site


def test_create_from_a_checkin_and_record_the_outcome(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=21)
    checkin, _ = submit(
        treatment.link,
        {"symptoms": [{"code": "lump", "severity": "mild", "trend": "worse"}, {"code": "pus"}]},
    )
    today = str(timezone.now().date())
    body = {
        "onset_date": today,
        "grade": 3,
        "relatedness": "probably",
        "serious": True,
        "serious_reason": "other_medically_important",
        "suspected_infection": True,
        "outcome": "not_recovered",
    }
    created = client.post(
        f"{API}/checkins/{checkin.id}/complications", body, content_type="application/json", **site.headers()
    )
    assert created.status_code == 201, created.content
    complication = created.json()
    assert complication["checkin_id"] == checkin.id and complication["symptom_codes"] == ["lump", "pus"]

    patch = {
        "outcome": "recovered",
        "outcome_date": today,
        "reported_to_regulator": True,
        "reported_on": today,
    }
    updated = client.patch(
        f"{API}/complications/{complication['id']}", patch, content_type="application/json", **site.headers()
    )
    assert updated.status_code == 200 and updated.json()["outcome"] == "recovered"
    listed = client.get(f"{API}/complications", **site.headers()).json()
    assert listed["count"] == 1 and listed["items"][0]["reported_to_regulator"] is True


def test_rules_name_the_field(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site))
    url = f"{API}/treatments/{treatment.id}/complications"
    today = str(timezone.now().date())
    cases = [
        ({"onset_date": today, "grade": 6, "relatedness": "possibly"}, "grade"),
        ({"onset_date": today, "grade": 2, "relatedness": "possibly", "serious": True}, "serious_reason"),
        ({"onset_date": today, "grade": 2, "relatedness": "maybe"}, "relatedness"),
        (
            {"onset_date": today, "grade": 2, "relatedness": "possibly", "symptom_codes": ["xyz"]},
            "symptom_codes[0]",
        ),
        ({"onset_date": "2001-01-01", "grade": 2, "relatedness": "possibly"}, "onset_date"),
        ({"onset_date": "3025-01-05", "grade": 2, "relatedness": "possibly"}, "onset_date"),  # a typo'd year
        (
            {"onset_date": today, "grade": 2, "relatedness": "possibly", "outcome_date": "9999-12-31"},
            "outcome_date",
        ),
        (
            {
                "onset_date": today,
                "grade": 2,
                "relatedness": "possibly",
                "reported_to_regulator": True,
                "reported_on": "2999-01-01",
            },
            "reported_on",
        ),
    ]
    for body, field in cases:
        response = client.post(url, body, content_type="application/json", **site.headers())
        assert response.status_code == 422, (body, response.content)
        assert response.json()["errors"][0]["field"] == field
