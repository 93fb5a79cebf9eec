"""A patient's Bundle: every resource parses with fhir.resources (R4B), every reference resolves inside it."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from mesosafe.checkins.services import submit
from mesosafe.fhir.bundle import bundle, checked, patient_bundle, unresolved
from mesosafe.knowledge import load
from mesosafe.patients.models import Patient
from tests.fhir.records import full_patient
from tests.service_fixtures import Site


@pytest.fixture
def made(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> dict[str, Any]:
    return patient_bundle(full_patient(site, make_patient, make_treatment), load())


def _of(made: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in made["entry"] if e["resource"]["resourceType"] == kind]


def test_every_record_kind_is_in_the_bundle(made: dict[str, Any]) -> None:
    kinds = Counter(e["resource"]["resourceType"] for e in made["entry"])
    assert made["type"] == "collection"
    assert kinds["Patient"] == kinds["Organization"] == kinds["Procedure"] == kinds["AdverseEvent"] == 1
    assert kinds["Practitioner"] == kinds["PractitionerRole"] == kinds["Medication"] == 1
    assert kinds["QuestionnaireResponse"] == 3 and kinds["Observation"] == 3  # 1 screening, 2 check-ins
    assert kinds["Condition"] == 2 and kinds["MedicationAdministration"] == 1
    assert kinds["Questionnaire"] == 2 and kinds["CodeSystem"] == 7


def test_every_reference_resolves_inside(made: dict[str, Any]) -> None:
    assert unresolved(made) == set()


def test_fhir_resources_writes_every_resource_back_unchanged(made: dict[str, Any]) -> None:
    for entry in made["entry"]:
        assert checked(entry["resource"]) == entry["resource"]


def test_a_dangling_reference_is_found(made: dict[str, Any]) -> None:
    broken = copy.deepcopy(made)
    broken["entry"] = [e for e in broken["entry"] if e["resource"]["resourceType"] != "Medication"]
    assert unresolved(broken) and all(ref.startswith("Medication/") for ref in unresolved(broken))


def test_missing_answers_are_left_out(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = full_patient(site, make_patient, make_treatment)
    treatment = patient.treatments.get()
    submit(treatment.link, {"symptoms": [{"code": "pus"}]})  # a warning sign: no follow-up question is asked
    made = patient_bundle(patient, load())
    first, second, third = [r for r in _of(made, "QuestionnaireResponse") if r["id"].startswith("checkin-")]
    assert [i["linkId"] for i in first["item"][0]["item"]] == [
        "redness.reported",
        "redness.severity",
        "redness.trend",
        "redness.spreading",
    ]
    assert len(first["item"]) == 1  # no temperature item: none was given
    assert [i["linkId"] for i in second["item"][0]["item"]] == [
        "lump.reported",
        "lump.severity",
        "lump.trend",
    ]
    assert second["item"][1]["answer"][0]["valueQuantity"]["value"] == 37.2
    assert [i["linkId"] for i in third["item"][0]["item"]] == ["pus.reported"]


def test_the_triage_result_is_coded_with_reasons_and_kb_version(made: dict[str, Any]) -> None:
    observations = [r for r in _of(made, "Observation") if r["id"].endswith("-triage")]
    urgent = next(o for o in observations if o["valueCodeableConcept"]["coding"][0]["code"] == "urgent")
    rules = [c["valueCodeableConcept"]["coding"][0]["code"] for c in urgent["component"][:-1]]
    assert "late_lump" in rules
    assert urgent["component"][-1]["valueString"] == load().version


def test_the_adverse_event_names_seriousness_outcome_and_suspects(made: dict[str, Any]) -> None:
    (event,) = _of(made, "AdverseEvent")
    assert event["seriousness"]["coding"][0]["code"] == "Serious"
    assert event["outcome"]["coding"][0]["code"] == "recovering"
    suspects = [s["instance"]["reference"] for s in event["suspectEntity"]]
    assert suspects[0].startswith("Procedure/") and suspects[1].startswith("Medication/")
    assert event["suspectEntity"][0]["causality"][0]["assessment"]["coding"][0]["code"] == "Probably-Likely"


def test_texts_in_the_patients_language_codes_without(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    made = patient_bundle(full_patient(site, make_patient, make_treatment, lang="ar"), load())
    (condition, _) = _of(made, "Condition")
    assert condition["code"]["coding"][0]["code"] == "lump"
    assert any("\u0600" <= ch <= "\u06ff" for ch in condition["code"]["text"])
    assert not any("\u0600" <= ch <= "\u06ff" for ch in condition["code"]["coding"][0].get("display", ""))


def test_a_broken_resource_does_not_parse() -> None:
    with pytest.raises(ValidationError):
        checked({"resourceType": "Procedure", "id": "x", "subject": {"reference": "Patient/p"}})  # no status
    with pytest.raises(ValidationError):
        bundle([{"resourceType": "Patient", "id": "bad id with spaces"}])


def test_other_white_space_in_stored_text_becomes_a_space(
    site: Site, make_patient: Callable[..., Patient]
) -> None:
    from mesosafe.patients.services import run_screening

    patient = make_patient(site, name="Amal\u00a0Haddad")
    screening = run_screening(patient, {"age": 30, "allergies": ["latex dust", "nuts"]}, by=site.staff.user)
    # stored before free text refused control characters (a vertical tab is one)
    screening.answers["allergies"] = ["latex\x0bdust", "nuts\x0b"]
    screening.save(update_fields=["answers"])
    made = patient_bundle(patient, load())  # parses: FHIR strings allow no vertical tab or no-break space
    (response,) = _of(made, "QuestionnaireResponse")
    allergies = next(item for item in response["item"] if item["linkId"] == "allergies")
    assert [a["valueString"] for a in allergies["answer"]] == ["latex dust", "nuts "]
    assert _of(made, "Patient")[0]["name"][0]["text"] == "Amal Haddad"


def test_the_checkin_questionnaire_asks_what_the_knowledge_base_asks(made: dict[str, Any]) -> None:
    (questionnaire,) = [q for q in _of(made, "Questionnaire") if q["id"] == "mesosafe-checkin"]
    groups = {
        group["linkId"]: [item["linkId"] for item in group.get("item", [])] for group in questionnaire["item"]
    }
    assert groups["pus"] == ["pus.reported"]  # a warning sign: no follow-up question
    assert groups["lump"] == ["lump.reported", "lump.severity", "lump.trend"]
    assert groups["redness"] == ["redness.reported", "redness.severity", "redness.trend", "redness.spreading"]


def test_a_screening_answer_is_exported_only_when_given(
    site: Site, make_patient: Callable[..., Patient]
) -> None:
    """Review: questions the API left out were stored as false and exported as the patient's "no"; four
    yes/no questions were missing from the Questionnaire and their answers, even a "yes", from the export."""
    from mesosafe.patients.services import run_screening
    from mesosafe.portal.forms import ASKED_AS_WRITTEN

    patient = make_patient(site)
    answers = {"age": 30, "pregnant": False, "previous_anaphylaxis": True, "keloid_history": False}
    run_screening(patient, answers, by=site.staff.user)
    made = patient_bundle(patient, load())
    (response,) = _of(made, "QuestionnaireResponse")
    given = {item["linkId"]: item["answer"][0] for item in response["item"]}
    assert given == {
        "age": {"valueInteger": 30},
        "pregnant": {"valueBoolean": False},
        "keloid_history": {"valueBoolean": False},
        "previous_anaphylaxis": {"valueBoolean": True},
    }
    (questionnaire,) = [q for q in _of(made, "Questionnaire") if q["id"] == "mesosafe-screening"]
    asked = {item["linkId"] for item in questionnaire["item"]}
    assert set(ASKED_AS_WRITTEN) <= asked and set(given) <= asked
