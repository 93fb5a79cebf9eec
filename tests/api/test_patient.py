"""The patient's link-token endpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mesosafe.checkins.models import CheckIn
from mesosafe.knowledge import Disposition
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import CheckinLink, Treatment
from tests.service_fixtures import API, Site, link_headers

BRUISE = {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}]}


@pytest.fixture
def linked(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> tuple[Treatment, str]:
    treatment, token = make_treatment(site, make_patient(site), days_ago=2)
    return treatment, token


def submit(client: Client, token: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        f"{API}/patient/checkins", body, content_type="application/json", **link_headers(token, **headers)
    )


def test_checkin_is_triaged_and_stored(client: Client, linked: tuple[Treatment, str]) -> None:
    treatment, token = linked
    response = submit(client, token, BRUISE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["disposition"] == "self_care" and body["next_session_ok"] is False
    assert body["reasons"] and 1.9 < body["days_since_treatment"] < 2.1
    stored = CheckIn.objects.get(id=body["id"])
    assert stored.treatment == treatment and stored.kb_version == body["kb_version"]


def test_idempotency_key_stores_a_retry_once(client: Client, linked: tuple[Treatment, str]) -> None:
    _, token = linked
    first = submit(client, token, BRUISE, HTTP_IDEMPOTENCY_KEY="abc-1").json()
    again = submit(client, token, BRUISE, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    other = submit(client, token, BRUISE, HTTP_IDEMPOTENCY_KEY="abc-2").json()
    assert other["id"] != first["id"]
    assert CheckIn.objects.count() == 2


def test_a_retry_with_the_same_key_answers_the_stored_checkin_after_day_one_starts(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Review F2: a stored check-in's retry (same key, same body) is answered with it, though the day
    changed what must be answered ("since yesterday" now applies to pain): judged as of the first's time."""
    _, token = make_treatment(site, make_patient(site), days_ago=0.999)
    body = {"symptoms": [{"code": "pain", "severity": "severe"}]}
    first = submit(client, token, body, HTTP_IDEMPOTENCY_KEY="K")
    assert first.status_code == 201 and first.json()["disposition"] == "urgent"
    later = timezone.now() + timedelta(hours=1)
    with mock.patch("mesosafe.checkins.services.timezone.now", return_value=later):
        retry = submit(client, token, body, HTTP_IDEMPOTENCY_KEY="K")
        assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
        fresh = submit(client, token, body, HTTP_IDEMPOTENCY_KEY="other")  # not a retry: asked again
        assert fresh.status_code == 422 and fresh.json()["errors"][0]["field"] == "symptoms[0].trend"
        changed = submit(client, token, {"symptoms": [{"code": "pain"}]}, HTTP_IDEMPOTENCY_KEY="K")
        assert changed.status_code == 422  # other answers under the key are not answered with the stored one
    assert CheckIn.objects.count() == 1


def test_a_retry_with_answers_that_now_apply_answers_the_stored_checkin(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A body answering a question that did not apply yet (dropped when stored), retried once it applies, is
    the same check-in; unless it is more urgent now (refused: the old verdict could under-triage)."""
    _, token = make_treatment(site, make_patient(site), days_ago=0.999)
    body = {"symptoms": [{"code": "pain", "severity": "mild", "trend": "improving", "spreading": False}]}
    first = submit(client, token, body, HTTP_IDEMPOTENCY_KEY="K")
    assert first.status_code == 201 and "trend" not in first.json()["answers"]["symptoms"][0]
    later = timezone.now() + timedelta(hours=1)
    with mock.patch("mesosafe.checkins.services.timezone.now", return_value=later):
        retry = submit(client, token, body, HTTP_IDEMPOTENCY_KEY="K")
        assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
        worse = {"symptoms": [{"code": "pain", "severity": "mild", "trend": "worse", "spreading": True}]}
        refused = submit(client, token, worse, HTTP_IDEMPOTENCY_KEY="K")
    if refused.status_code != 422:  # the knowledge base judges it no worse than the first: then a retry
        assert refused.json()["disposition"] == first.json()["disposition"]
    assert CheckIn.objects.count() == 1


def test_a_retry_of_a_checkin_stored_before_a_rule_was_added_answers_the_stored_one(
    client: Client, linked: tuple[Treatment, str]
) -> None:
    """A check-in listing a symptom twice was stored before that was refused (engines.inputs
    check_symptom_codes); its retry, the same body under the same key, is answered with what was stored,
    not judged by today's rules (422). Another body under the key, or a new key, still meets them."""
    _, token = linked
    bruise = BRUISE["symptoms"][0]
    twice = {"symptoms": [bruise, bruise]}
    with (  # the version before the rule
        mock.patch("mesosafe.engines.contract.check_symptom_codes"),
        mock.patch("mesosafe.engines.triage.check_symptom_codes"),
    ):
        first = submit(client, token, twice, HTTP_IDEMPOTENCY_KEY="old")
    assert first.status_code == 201 and len(first.json()["answers"]["symptoms"]) == 2
    retry = submit(client, token, twice, HTTP_IDEMPOTENCY_KEY="old")
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert retry.json()["disposition"] == first.json()["disposition"]
    other = {"symptoms": [bruise, {**bruise, "severity": "severe"}]}
    assert submit(client, token, other, HTTP_IDEMPOTENCY_KEY="old").status_code == 422
    assert submit(client, token, twice, HTTP_IDEMPOTENCY_KEY="new").status_code == 422
    assert CheckIn.objects.count() == 1


def test_a_retry_refused_today_with_an_answer_that_now_applies_is_not_answered_with_the_stored_one(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """The answer "worse since yesterday" was dropped when stored on day 0 and is asked now: the stored
    verdict never heard it, and the body refused today cannot be judged against it (as a retry more urgent
    today is not a retry), so it is met by today's rules (422), not answered with the old verdict."""
    _, token = make_treatment(site, make_patient(site), days_ago=0.999)
    pain = {"code": "pain", "severity": "mild", "trend": "worse", "spreading": False}
    twice = {"symptoms": [pain, pain]}
    with (
        mock.patch("mesosafe.engines.contract.check_symptom_codes"),
        mock.patch("mesosafe.engines.triage.check_symptom_codes"),
    ):
        first = submit(client, token, twice, HTTP_IDEMPOTENCY_KEY="K")
    assert first.status_code == 201 and "trend" not in first.json()["answers"]["symptoms"][0]
    assert submit(client, token, twice, HTTP_IDEMPOTENCY_KEY="K").status_code == 201  # the same day: a retry
    later = timezone.now() + timedelta(hours=1)
    with mock.patch("mesosafe.checkins.services.timezone.now", return_value=later):
        assert submit(client, token, twice, HTTP_IDEMPOTENCY_KEY="K").status_code == 422
    assert CheckIn.objects.count() == 1


def test_a_new_checkin_costs_two_statements(client: Client, linked: tuple[Treatment, str]) -> None:
    """The link lookup and the insert (the retry lookup only when an insert or the answers are refused)."""
    _, token = linked
    with CaptureQueriesContext(connection) as queries:
        assert submit(client, token, BRUISE, HTTP_IDEMPOTENCY_KEY="new").status_code == 201
    sent = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]  # the test's transaction
    if connection.vendor == "postgresql":
        assert len(sent) == 2, [sql[:80] for sql in sent]


def test_a_reused_key_with_other_answers_is_refused(client: Client, linked: tuple[Treatment, str]) -> None:
    """Answering a new emergency with the verdict stored under the same key would under-triage it."""
    _, token = linked
    submit(client, token, BRUISE, HTTP_IDEMPOTENCY_KEY="abc-1")
    worse = {"symptoms": [{"code": "breathing_difficulty", "severity": "severe"}]}
    refused = submit(client, token, worse, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert CheckIn.objects.count() == 1


def test_a_key_sent_twice_or_with_spaces_is_refused(client: Client, linked: tuple[Treatment, str]) -> None:
    """Two Idempotency-Key headers arrive joined ("a, b"): stored under that, a retry with "a" alone would
    store the check-in again."""
    _, token = linked
    for key in ("a, b", "a,b", "two words", "é"):
        refused = submit(client, token, BRUISE, HTTP_IDEMPOTENCY_KEY=key)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "Idempotency-Key", key
    assert not CheckIn.objects.exists()
    assert submit(client, token, BRUISE, HTTP_IDEMPOTENCY_KEY="0b6f1c2e-9d7a-4c1e_x.y~z").status_code == 201


def test_bad_checkins_name_the_field(client: Client, linked: tuple[Treatment, str]) -> None:
    _, token = linked
    unknown = submit(client, token, {"symptoms": [{"code": "green_skin"}]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "symptoms[0].code"
    days = submit(client, token, {"days_since_treatment": 3, "symptoms": []})
    assert days.status_code == 422 and days.json()["errors"][0]["field"] == "days_since_treatment"
    severity = submit(client, token, {"symptoms": [{"code": "pain", "severity": "awful"}]})
    assert severity.status_code == 422 and severity.json()["errors"][0]["field"] == "symptoms[0].severity"
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    ("symptom", "field"),
    [
        ({"code": "bruising", "trend": "same", "spreading": False}, "symptoms[0].severity"),
        ({"code": "bruising", "severity": "mild", "spreading": False}, "symptoms[0].trend"),
        ({"code": "redness", "severity": "mild", "trend": "same"}, "symptoms[0].spreading"),
    ],
)
def test_a_missing_follow_up_answer_is_a_422_naming_it(
    client: Client, linked: tuple[Treatment, str], symptom: dict[str, Any], field: str
) -> None:
    _, token = linked
    response = submit(client, token, {"symptoms": [symptom]})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field
    assert CheckIn.objects.count() == 0


def test_answers_to_questions_not_asked_are_not_stored(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Nothing shown later was made up: an emergency asks nothing, fever is not asked whether it spreads,
    and "since yesterday" is not asked on the day of treatment."""
    _, token = make_treatment(site, make_patient(site), days_ago=0.1)
    body = {
        "symptoms": [
            {"code": "breathing_difficulty", "severity": "severe", "trend": "worse", "spreading": True},
            {"code": "fever", "spreading": False},
            {"code": "pain", "severity": "moderate", "trend": "same"},
        ]
    }
    response = submit(client, token, body)
    assert response.status_code == 201, response.content
    answers = CheckIn.objects.get(id=response.json()["id"]).answers
    assert answers["symptoms"] == [
        {"code": "breathing_difficulty"},
        {"code": "fever"},
        {"code": "pain", "severity": "moderate"},
    ]
    assert response.json()["answers"] == answers
    assert response.json()["disposition"] == "emergency"


def test_an_emergency_stops_the_questions(client: Client, linked: tuple[Treatment, str]) -> None:
    """A red flag stops the questions: the other symptoms' details are not required, and not stored."""
    _, token = linked
    body = {"symptoms": [{"code": "vision_change"}, {"code": "redness"}]}
    response = submit(client, token, body)
    assert response.status_code == 201, response.content
    assert response.json()["disposition"] == "emergency"
    assert CheckIn.objects.get().answers["symptoms"] == [{"code": "vision_change"}, {"code": "redness"}]
    fainting = submit(client, token, {"symptoms": [{"code": "fainting"}, {"code": "hives"}]})
    assert fainting.status_code == 201 and fainting.json()["disposition"] == "emergency"
    urgent_only = submit(client, token, {"symptoms": [{"code": "fainting"}, {"code": "redness"}]})
    assert urgent_only.status_code == 422
    assert urgent_only.json()["errors"][0]["field"] == "symptoms[1].severity"


def test_only_breathing_difficulty_is_stored_without_severity_or_trend(
    client: Client, linked: tuple[Treatment, str]
) -> None:
    _, token = linked
    response = submit(client, token, {"symptoms": [{"code": "breathing_difficulty"}]})
    assert response.status_code == 201, response.content
    stored = CheckIn.objects.get(id=response.json()["id"])
    assert stored.answers["symptoms"] == [{"code": "breathing_difficulty"}]
    assert stored.disposition == "emergency"


def _stored_before(treatment: Treatment, answers: dict[str, Any], disposition: Disposition) -> CheckIn:
    """A check-in as an earlier version stored it, with answers the API would not take now."""
    return CheckIn.objects.create(
        treatment=treatment,
        submitted_at=timezone.now(),
        days_since_treatment=1.0,
        answers=answers,
        disposition=disposition.value,
        disposition_rank=disposition.rank,
        reasons=[],
        next_session_ok=False,
        kb_version="kb-000000000000",
    )


def test_a_check_in_stored_before_the_change_still_shows_what_it_stored(
    client: Client, site: Site, linked: tuple[Treatment, str]
) -> None:
    """Old answers kept their defaults (mild, the same, not spreading): they are not migrated."""
    treatment, _ = linked
    old = {
        "symptoms": [
            {"code": "breathing_difficulty", "severity": "mild", "trend": "same", "spreading": False}
        ]
    }
    stored = _stored_before(treatment, old, Disposition.EMERGENCY)
    response = client.get(f"{API}/checkins/{stored.id}", **site.headers())
    assert response.status_code == 200, response.content
    assert response.json()["answers"] == old


def test_expired_or_unknown_token_is_a_bare_404(client: Client, linked: tuple[Treatment, str]) -> None:
    treatment, token = linked
    CheckinLink.objects.filter(treatment=treatment).update(expires_at=timezone.now() - timedelta(seconds=1))
    for candidate in (token, "x" * 43):
        response = client.get(f"{API}/patient/me", **link_headers(candidate))
        assert response.status_code == 404
        assert response.json()["detail"] == "" and response["Content-Type"] == "application/problem+json"


@override_settings(MESOSAFE_PATIENT_RATE=3)
def test_link_endpoints_are_rate_limited(client: Client, linked: tuple[Treatment, str]) -> None:
    _, token = linked
    statuses = [client.get(f"{API}/patient/me", **link_headers(token)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = client.get(f"{API}/patient/me", **link_headers(token))
    assert limited["Retry-After"] == "60" and limited["Content-Type"] == "application/problem+json"


def test_an_emergency_is_accepted_after_many_requests_on_its_link(
    client: Client, linked: tuple[Treatment, str]
) -> None:
    """Review F1: the link's request limit never refuses sending a check-in (the hourly check-in limit
    refuses only one that needs no clinic contact); the link's other endpoints stay limited."""
    _, token = linked
    for _ in range(60):
        assert (
            client.get(f"{API}/patient/me", **link_headers(token)).status_code == 200
        )  # polling each second
    assert client.get(f"{API}/patient/me", **link_headers(token)).status_code == 429
    emergency = submit(client, token, {"symptoms": [{"code": "breathing_difficulty"}]})
    assert emergency.status_code == 201 and emergency.json()["disposition"] == "emergency"
    assert CheckIn.objects.filter(disposition="emergency").count() == 1


@override_settings(MESOSAFE_PATIENT_RATE=3, MESOSAFE_CHECKINS_PER_HOUR=2)
def test_checkins_past_the_request_limit_meet_only_the_hourly_limit(
    client: Client, linked: tuple[Treatment, str]
) -> None:
    _, token = linked
    statuses = [submit(client, token, BRUISE, HTTP_IDEMPOTENCY_KEY=f"k{n}").status_code for n in range(3)]
    assert statuses == [201, 201, 429]  # the hourly limit, for one that needs no clinic contact
    assert client.get(f"{API}/patient/me", **link_headers(token)).status_code == 200  # not counted
    urgent = submit(client, token, {"symptoms": [{"code": "pus"}]}, HTTP_IDEMPOTENCY_KEY="u")
    assert urgent.status_code == 201 and urgent.json()["disposition"] == "urgent"
    assert submit(client, "unknown-token", BRUISE).status_code == 404  # a guess is still a failed lookup


@override_settings(MESOSAFE_PATIENT_RATE=3)
def test_failed_lookups_are_limited_by_address_but_a_valid_link_is_not(
    client: Client, linked: tuple[Treatment, str]
) -> None:
    _, token = linked
    guesses = [client.get(f"{API}/patient/me", **link_headers(f"guess-{n}")).status_code for n in range(5)]
    assert guesses == [404, 404, 404, 429, 429]
    assert client.get(f"{API}/patient/me", **link_headers(token)).status_code == 200
    assert client.get("/p/guess-pages/").status_code == 429  # the pages share the address's count


def test_me_shows_treatment_plan_and_due_checkins(client: Client, linked: tuple[Treatment, str]) -> None:
    _, token = linked
    submit(client, token, BRUISE)
    me = client.get(f"{API}/patient/me", **link_headers(token)).json()
    assert me["treatment"]["emergency_number"] == "998"
    assert me["aftercare"]["items"] and me["checkins_due"]
    assert all(due["day"] >= 1 for due in me["checkins_due"])
    assert me["checkins"][0]["disposition"] == "self_care" and me["next_session_ok"] is False


def test_aftercare_calendar(client: Client, linked: tuple[Treatment, str]) -> None:
    _, token = linked
    response = client.get(f"{API}/patient/aftercare.ics", **link_headers(token))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert response.content.count(b"BEGIN:VEVENT") >= 7


def test_patient_screening(client: Client, linked: tuple[Treatment, str]) -> None:
    treatment, token = linked
    response = client.post(
        f"{API}/patient/screening", {"age": 34}, content_type="application/json", **link_headers(token)
    )
    assert response.status_code == 201
    assert response.json()["entered_by_staff"] is False
    assert treatment.patient.screenings.count() == 1
    bad = client.post(
        f"{API}/patient/screening", {"age": -1}, content_type="application/json", **link_headers(token)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "age"


def test_something_else_is_stored_with_the_patients_own_words(
    client: Client, linked: tuple[Treatment, str]
) -> None:
    _, token = linked
    words = "طعم معدني في الفم"
    response = submit(
        client, token, {"symptoms": [{"code": "something_else", "severity": "severe", "description": words}]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["disposition"] == "urgent"
    assert body["answers"]["symptoms"] == [
        {"code": "something_else", "severity": "severe", "description": words}
    ]
    without = submit(client, token, {"symptoms": [{"code": "something_else", "severity": "mild"}]})
    assert without.status_code == 201 and without.json()["disposition"] == "contact_clinic"  # optional here


@pytest.mark.parametrize(
    "symptom",
    [
        {"code": "redness", "severity": "mild", "trend": "same", "spreading": False, "description": "pink"},
        {"code": "something_else", "severity": "mild", "description": "x" * 201},
        {"code": "something_else", "severity": "mild", "description": " \u200b "},
        {"code": "something_else", "severity": "mild", "description": "bell\x07"},
        {"code": "something_else", "severity": "mild", "description": 12},
    ],
)
def test_a_description_that_cannot_be_taken_is_a_422_naming_it(
    client: Client, linked: tuple[Treatment, str], symptom: dict[str, Any]
) -> None:
    _, token = linked
    response = submit(
        client, token, {"symptoms": [{"code": "pain", "severity": "mild", "trend": "same"}, symptom]}
    )
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "symptoms[1].description"
    assert CheckIn.objects.count() == 0


def test_a_symptom_listed_twice_is_a_422_naming_it(
    client: Client, site: Site, linked: tuple[Treatment, str]
) -> None:
    """Two answers for one symptom are refused, not stored side by side; a check-in stored with a repeat
    before this rule is still shown as it was stored."""
    treatment, token = linked
    pain = {"code": "pain", "severity": "mild", "trend": "same"}
    response = submit(client, token, {"symptoms": [pain, {**pain, "severity": "severe"}]})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0] == {
        "field": "symptoms[1].code",
        "message": "'pain' is listed twice; give each symptom once",
    }
    assert CheckIn.objects.count() == 0
    old = {"symptoms": [pain, {**pain, "severity": "severe"}], "temperature_c": None}
    stored = _stored_before(treatment, old, Disposition.CONTACT_CLINIC)
    shown = client.get(f"{API}/checkins/{stored.id}", **site.headers())
    assert shown.status_code == 200 and shown.json()["answers"] == old
