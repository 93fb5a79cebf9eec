from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins.services import submit
from mesosafe.complications import icsr
from mesosafe.complications.models import Complication
from mesosafe.e2b.codes import Seriousness
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
        # taken as written: JSON's true is not grade 1, nor "2" or 2.0 the number 2, nor 1 a yes
        ({"onset_date": today, "grade": True, "relatedness": "possibly"}, "grade"),
        ({"onset_date": today, "grade": "2", "relatedness": "possibly"}, "grade"),
        ({"onset_date": today, "grade": 2.0, "relatedness": "possibly"}, "grade"),
        (
            {"onset_date": today, "grade": 2, "relatedness": "possibly", "suspected_infection": 1},
            "suspected_infection",
        ),
    ]
    for body, field in cases:
        response = client.post(url, body, content_type="application/json", **site.headers())
        assert response.status_code == 422, (body, response.content)
        assert response.json()["errors"][0]["field"] == field


def _create(client: Client, site: Site, treatment: Any, **changes: Any) -> Any:
    body = {"onset_date": str(timezone.now().date()), "grade": 2, "relatedness": "possibly", **changes}
    url = f"{API}/treatments/{treatment.id}/complications"
    return client.post(url, body, content_type="application/json", **site.headers())


def test_reported_when_created_keeps_its_report_id_and_date(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site))
    created = _create(client, site, treatment, reported_to_regulator=True)
    assert created.status_code == 201, created.content
    stored = Complication.objects.get(pk=created.json()["id"])
    assert stored.report_id.endswith(f"-{stored.id}") and stored.report_version
    assert stored.reported_on == site.clinic.local_date(timezone.now())


def test_a_patch_cannot_clear_a_kept_field_nor_a_reported_complications_date(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site))
    created = _create(client, site, treatment, reported_to_regulator=True).json()
    url = f"{API}/complications/{created['id']}"
    for body, field in (
        ({"grade": None}, "grade"),
        ({"outcome": None}, "outcome"),
        ({"serious": None}, "serious"),
        ({"reported_on": None}, "reported_on"),
        ({"reported_on": "2001-01-01"}, "reported_on"),  # before the onset
    ):
        refused = client.patch(url, body, content_type="application/json", **site.headers())
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, refused.content
    stored = Complication.objects.get(pk=created["id"])
    assert stored.grade == 2 and stored.reported_on is not None


def test_a_death_or_a_grade_4_or_5_is_serious_and_the_report_says_death(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site))
    for changes in ({"outcome": "fatal"}, {"grade": 4}, {"grade": 5}):
        refused = _create(client, site, treatment, **changes)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "serious"
    serious = {"serious": True, "serious_reason": "life_threatening"}
    created = _create(client, site, treatment, outcome="fatal", grade=5, symptom_codes=["pain"], **serious)
    assert created.status_code == 201, created.content
    complication = Complication.objects.get(pk=created.json()["id"])
    assert icsr.case(complication).reactions[0].seriousness == {
        Seriousness.DEATH,
        Seriousness.LIFE_THREATENING,
    }


def test_something_else_without_a_checkin_takes_its_words_as_the_patients_are_checked(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Recorded without a check-in, "something else" had no words: its report said only "Something else".
    The words are checked as a patient's description is (length, blank, control characters), stored as
    written and carried where a check-in's words go: the record, its ICSR's reported term."""
    treatment, _ = make_treatment(site, make_patient(site))
    words = "a hard lump under the chin"
    created = _create(client, site, treatment, symptom_codes=["something_else"], description=words)
    assert created.status_code == 201, created.content
    assert created.json()["description"] == words
    stored = Complication.objects.get(pk=created.json()["id"])
    assert stored.own_words() == {"something_else": words}
    (reaction,) = icsr.case(stored).reactions
    assert reaction.reported_term == words
    report = client.get(f"{API}/complications/{stored.id}/icsr", **site.headers())
    assert report.status_code == 200 and words in report.content.decode()
    for sent in ("x" * 201, "a\x07bell", " \u200b "):
        refused = _create(client, site, treatment, symptom_codes=["something_else"], description=sent)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "description"
    other = _create(client, site, treatment, symptom_codes=["pain"], description=words)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "description"
    assert Complication.objects.count() == 1


def test_something_else_without_a_checkin_needs_its_words_naming_description(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Recorded without a check-in and without words, "something else" was stored and its report said only
    "Something else": nobody had said what it was. Refused naming description, on create and on a PATCH that
    clears the words; from a check-in the patient left undescribed, staff words stay optional."""
    treatment, _ = make_treatment(site, make_patient(site))
    for words in ({}, {"description": None}):
        refused = _create(client, site, treatment, symptom_codes=["pain", "something_else"], **words)
        assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
        (error,) = refused.json()["errors"]
        assert error["field"] == "description" and error["message"].startswith("say what the symptom")
    assert not Complication.objects.exists()
    said = _create(client, site, treatment, symptom_codes=["something_else"], description="a hard lump")
    assert said.status_code == 201, said.content
    url = f"{API}/complications/{said.json()['id']}"
    cleared = client.patch(url, {"description": None}, content_type="application/json", **site.headers())
    assert cleared.status_code == 422 and cleared.json()["errors"][0]["field"] == "description"
    assert Complication.objects.get().description == "a hard lump"
    wordless, _ = submit(treatment.link, {"symptoms": [{"code": "something_else", "severity": "moderate"}]})
    body = {"onset_date": str(timezone.now().date()), "grade": 2, "relatedness": "possibly"}
    from_checkin = client.post(
        f"{API}/checkins/{wordless.id}/complications", body, content_type="application/json", **site.headers()
    )
    assert from_checkin.status_code == 201, from_checkin.content


def test_something_else_added_by_staff_to_a_checkin_without_it_needs_its_words(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Recorded from a check-in that does not list "something else" (the patient reported pus), with staff
    giving the codes, it was stored without words and its report said only "Something else": the check-in
    says nothing of it either. Refused naming description, as without a check-in, also on a PATCH that clears
    the words; the check-in's own codes still need none."""
    treatment, _ = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "pus"}]})
    body = {"onset_date": str(timezone.now().date()), "grade": 2, "relatedness": "possibly"}
    url = f"{API}/checkins/{checkin.id}/complications"
    added = {**body, "symptom_codes": ["pus", "something_else"]}
    refused = client.post(url, added, content_type="application/json", **site.headers())
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    (error,) = refused.json()["errors"]
    assert error["field"] == "description" and error["message"].startswith("say what the symptom")
    assert not Complication.objects.exists()
    said = client.post(
        url, {**added, "description": "a hard lump"}, content_type="application/json", **site.headers()
    )
    assert said.status_code == 201, said.content
    patch = f"{API}/complications/{said.json()['id']}"
    cleared = client.patch(patch, {"description": None}, content_type="application/json", **site.headers())
    assert cleared.status_code == 422 and cleared.json()["errors"][0]["field"] == "description"
    assert Complication.objects.get().description == "a hard lump"
    assert client.post(url, body, content_type="application/json", **site.headers()).status_code == 201


def test_staff_words_are_corrected_by_a_patch_checked_and_audited_as_when_recorded(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A PATCH could not set or change `description` (422: not a field), so a typo in staff words stayed in
    every report. It is checked as when recorded, audited as an update and makes a new report version."""
    treatment, _ = make_treatment(site, make_patient(site))
    typo = _create(client, site, treatment, symptom_codes=["something_else"], description="a hard lupm")
    assert typo.status_code == 201, typo.content
    url = f"{API}/complications/{typo.json()['id']}"
    before = Complication.objects.get(pk=typo.json()["id"]).updated_at
    audited = AuditEvent.objects.filter(action="update", object_type="complication").count()
    words = "a hard lump under the chin"
    fixed = client.patch(url, {"description": words}, content_type="application/json", **site.headers())
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["description"] == words
    stored = Complication.objects.get(pk=typo.json()["id"])
    assert stored.own_words() == {"something_else": words} and stored.updated_at > before
    (reaction,) = icsr.case(stored).reactions
    assert reaction.reported_term == words
    event = AuditEvent.objects.filter(action="update", object_type="complication").latest("id")
    assert event.object_id == str(stored.id) and event.patient_id == treatment.patient_id
    assert AuditEvent.objects.filter(action="update", object_type="complication").count() == audited + 1
    for sent in ("x" * 201, "a\x07bell", " \u200b ", ""):
        refused = client.patch(url, {"description": sent}, content_type="application/json", **site.headers())
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "description", sent
    assert Complication.objects.get(pk=stored.id).description == words
    cleared = client.patch(url, {"description": None}, content_type="application/json", **site.headers())
    assert cleared.status_code == 422 and cleared.json()["errors"][0]["field"] == "description"  # needed
    pain = _create(client, site, treatment, symptom_codes=["pain"]).json()
    other = client.patch(
        f"{API}/complications/{pain['id']}", {"description": words}, content_type="application/json",
        **site.headers(),
    )  # fmt: skip
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "description"


def test_staff_words_beside_the_patients_own_are_refused_naming_description(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Recorded from a check-in whose 'something else' has the patient's words, staff words were stored but
    never shown nor exported (the patient's win: own_words): refused, on create and on a PATCH."""
    treatment, _ = make_treatment(site, make_patient(site))
    described, _ = submit(
        treatment.link,
        {"symptoms": [{"code": "something_else", "severity": "moderate", "description": "صداع منذ ٣ أيام"}]},
    )
    body = {"onset_date": str(timezone.now().date()), "grade": 2, "relatedness": "possibly"}
    url = f"{API}/checkins/{described.id}/complications"
    words = {**body, "description": "headache"}
    refused = client.post(url, words, content_type="application/json", **site.headers())
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    (error,) = refused.json()["errors"]
    assert error["field"] == "description" and error["message"].startswith(
        "the patient's own words are kept;"
    )
    assert not Complication.objects.exists()
    created = client.post(url, body, content_type="application/json", **site.headers())
    assert created.status_code == 201, created.content
    patch_url = f"{API}/complications/{created.json()['id']}"
    patched = client.patch(
        patch_url, {"description": "headache"}, content_type="application/json", **site.headers()
    )
    assert patched.status_code == 422 and patched.json()["errors"][0]["field"] == "description"
    assert Complication.objects.get().own_words() == {"something_else": "صداع منذ ٣ أيام"}
    # a 'something else' the patient left undescribed takes staff words, shown and reported
    wordless, _ = submit(treatment.link, {"symptoms": [{"code": "something_else", "severity": "moderate"}]})
    taken = client.post(
        f"{API}/checkins/{wordless.id}/complications",
        words,
        content_type="application/json",
        **site.headers(),
    )
    assert taken.status_code == 201, taken.content
    assert Complication.objects.get(pk=taken.json()["id"]).own_words() == {"something_else": "headache"}
