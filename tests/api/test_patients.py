from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from mesosafe.audit.models import AuditEvent
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers


def test_create_list_and_get_a_patient(client: Client, site: Site) -> None:
    body = {
        "name": "Amal Haddad",
        "date_of_birth": "1990-04-01",
        "email": "amal@example.com",
        "phone": "+97150",
    }
    created = client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
    assert created.status_code == 201, created.content
    patient: dict[str, Any] = created.json()
    assert patient["preferred_language"] == site.clinic.default_language

    listed = client.get(f"{API}/patients", **site.headers()).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == patient["id"]
    fetched = client.get(f"{API}/patients/{patient['id']}", **site.headers())
    assert fetched.json()["name"] == "Amal Haddad"


def test_every_read_and_change_is_audited(client: Client, site: Site) -> None:
    body = {"name": "Amal", "date_of_birth": "1990-04-01"}
    patient_id = client.post(
        f"{API}/patients", body, content_type="application/json", **site.headers()
    ).json()["id"]
    client.get(f"{API}/patients/{patient_id}", **site.headers())
    events = list(
        AuditEvent.objects.filter(patient_id=patient_id)
        .order_by("id")
        .values_list("action", "user_id", "method")
    )
    staff = site.staff.user.id
    assert events == [("create", staff, "POST"), ("read", staff, "GET")]


def test_bad_input_is_problem_json_naming_the_field(client: Client, site: Site) -> None:
    body = {"name": "Amal", "date_of_birth": "not-a-date", "email": "nope"}
    response = client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"]
    assert {e["field"] for e in problem["errors"]} == {"date_of_birth", "email"}


def test_a_date_of_birth_in_the_future_is_refused(client: Client, site: Site) -> None:
    """Such a patient could never finish screening (their age would be negative)."""
    body = {"name": "Amal", "date_of_birth": "2099-01-01"}
    response = client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "date_of_birth"


def test_malformed_json_is_a_4xx_problem(client: Client, site: Site) -> None:
    response = client.post(f"{API}/patients", "{not json", content_type="application/json", **site.headers())
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"


def test_unknown_or_missing_key_is_401(client: Client, site: Site) -> None:
    assert client.get(f"{API}/patients").status_code == 401
    response = client.get(f"{API}/patients", HTTP_AUTHORIZATION="Bearer msk_wrong")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_lists_are_paginated(client: Client, site: Site) -> None:
    for n in range(3):
        body = {"name": f"P{n}", "date_of_birth": "1990-04-01"}
        client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
    page = client.get(f"{API}/patients?limit=2&offset=1", **site.headers()).json()
    assert page["count"] == 3 and [p["name"] for p in page["items"]] == ["P1", "P2"]
    assert client.get(f"{API}/patients?limit=0", **site.headers()).json()["errors"][0]["field"] == "limit"


def test_unknown_api_paths_are_problem_json(client: Client, site: Site) -> None:
    response = client.get(f"{API}/no-such-thing", **site.headers())
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_a_name_with_a_right_to_left_override_is_refused(client: Client, site: Site) -> None:
    body = {"name": "Ali \u202eevil", "date_of_birth": "1990-01-02"}
    response = client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
    assert response.status_code == 422 and "text-direction" in response.content.decode()


def test_a_name_of_nothing_visible_and_a_phone_of_words_are_refused(client: Client, site: Site) -> None:
    for body, field in (
        ({"name": "   "}, "name"),
        ({"name": "\u200f"}, "name"),  # a right-to-left mark alone: an empty, unclickable row on the list
        ({"phone": "call me maybe"}, "phone"),  # a tel: link nobody can dial
        ({"phone": "+971 50 \u202e123"}, "phone"),
        ({"name": "Amal\x07"}, "name"),  # a control character: no report (XML) could carry it
    ):
        sent = {"name": "Amal", "date_of_birth": "1990-01-02", **body}
        response = client.post(f"{API}/patients", sent, content_type="application/json", **site.headers())
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, body
    good = {"name": " Amal ", "date_of_birth": "1990-01-02", "phone": "+971 (50) 123-4567"}
    created = client.post(f"{API}/patients", good, content_type="application/json", **site.headers())
    assert created.status_code == 201 and created.json()["name"] == "Amal"


def test_a_staff_key_is_rate_limited_and_patients_are_not(
    client: Client,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    settings: Any,
) -> None:
    """Past MESOSAFE_STAFF_RATE requests a minute on one key: 429 problem+json naming Authorization, with
    Retry-After, and no audit row; another key, and a patient's emergency check-in, go on."""
    settings.MESOSAFE_STAFF_RATE = 3
    site, other = make_site(), make_site()
    make_patient(site)
    _, token = make_treatment(site, make_patient(site))
    for _ in range(3):
        assert client.get(f"{API}/patients?limit=200", **site.headers()).status_code == 200
    audited = AuditEvent.objects.count()
    refused = client.get(f"{API}/patients?limit=200", **site.headers())
    assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"
    assert refused["Retry-After"] == "60" and refused.json()["errors"][0]["field"] == "Authorization"
    assert AuditEvent.objects.count() == audited
    assert client.get(f"{API}/patients", **other.headers()).status_code == 200
    body = {"symptoms": [{"code": "chest_pain"}]}
    emergency = client.post(
        f"{API}/patient/checkins",
        body,
        content_type="application/json",
        **link_headers(token, HTTP_IDEMPOTENCY_KEY="e1"),
    )
    assert emergency.status_code == 201 and emergency.json()["disposition"] == "emergency"


# --- Idempotency-Key: a retry after a lost answer adds no second patient ---


def _add(client: Client, site: Site, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"{API}/patients", body, content_type="application/json", **site.headers(), **headers)


def test_a_retry_with_its_idempotency_key_answers_with_the_patient_first_added(
    client: Client, site: Site
) -> None:
    body = {"name": "Amal", "date_of_birth": "1990-04-01", "email": "amal@example.com"}
    first = _add(client, site, body, HTTP_IDEMPOTENCY_KEY="intake-7")
    again = _add(client, site, body, HTTP_IDEMPOTENCY_KEY="intake-7")
    assert first.status_code == again.status_code == 201, again.content
    assert again.json() == first.json()
    assert Patient.objects.count() == 1
    events = AuditEvent.objects.filter(object_type="patient", patient_id=first.json()["id"])
    assert list(events.values_list("action", flat=True).order_by("id")) == ["create", "read"]


def test_the_same_patient_key_with_other_details_is_a_422_naming_the_header(
    client: Client, site: Site
) -> None:
    first = _add(client, site, {"name": "Amal", "date_of_birth": "1990-04-01"}, HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201
    refused = _add(client, site, {"name": "Noor", "date_of_birth": "1990-04-01"}, HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert list(Patient.objects.values_list("name", flat=True)) == ["Amal"]


def test_another_clinics_same_patient_key_is_another_patient(
    client: Client, make_site: Callable[..., Site]
) -> None:
    body = {"name": "Amal", "date_of_birth": "1990-04-01"}
    site_a, site_b = make_site(), make_site()
    a = _add(client, site_a, body, HTTP_IDEMPOTENCY_KEY="same").json()
    b = _add(client, site_b, body, HTTP_IDEMPOTENCY_KEY="same").json()
    assert a["id"] != b["id"]
    assert Patient.objects.get(id=a["id"]).clinic == site_a.clinic
    assert Patient.objects.get(id=b["id"]).clinic == site_b.clinic


def test_a_patient_key_that_breaks_the_rules_is_a_422_naming_the_header(client: Client, site: Site) -> None:
    refused = _add(client, site, {"name": "Amal", "date_of_birth": "1990-04-01"}, HTTP_IDEMPOTENCY_KEY="a, b")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Patient.objects.count() == 0
