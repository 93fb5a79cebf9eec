"""A check-in's QuestionnaireResponse holds the patient's own words for a symptom they described, as written,
and the check-in Questionnaire asks for them only where the knowledge base lets a patient describe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mesosafe.checkins.services import submit
from mesosafe.fhir.answers import checkin_response
from mesosafe.fhir.bundle import checked, patient_bundle
from mesosafe.fhir.definitions import checkin_questionnaire
from mesosafe.knowledge import load
from mesosafe.patients.models import Patient
from tests.service_fixtures import Site

WORDS = "طعم معدني في الفم <b>since day 2</b>"


def test_the_patients_own_words_are_a_string_answer_as_written(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = make_patient(site, lang="ar")
    treatment, _ = make_treatment(site, patient, days_ago=2)
    something = {"code": "something_else", "severity": "mild", "description": WORDS}
    checkin, _ = submit(treatment.link, {"symptoms": [something]})
    response = checked(checkin_response(checkin, patient, load()))
    (group,) = response["item"]
    assert group["linkId"] == "something_else" and group["text"] == "شيء آخر"
    assert [i["linkId"] for i in group["item"]] == [
        "something_else.reported",
        "something_else.severity",
        "something_else.description",
    ]
    assert group["item"][-1]["answer"] == [{"valueString": WORDS}]
    made = patient_bundle(patient, load())  # the whole bundle still parses
    assert any(e["resource"]["id"] == response["id"] for e in made["entry"])


def test_without_words_no_description_answer_is_made(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = make_patient(site)
    treatment, _ = make_treatment(site, patient, days_ago=2)
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "something_else", "severity": "severe"}]})
    (group,) = checkin_response(checkin, patient, load())["item"]
    assert [i["linkId"] for i in group["item"]] == ["something_else.reported", "something_else.severity"]


def test_the_questionnaire_asks_for_words_only_where_a_patient_may_describe() -> None:
    groups = {g["linkId"]: g["item"] for g in checkin_questionnaire(load())["item"] if "item" in g}
    described = {
        code for code, items in groups.items() if any(i["linkId"].endswith(".description") for i in items)
    }
    assert described == {"something_else"}
    item = groups["something_else"][-1]
    assert (item["type"], item["maxLength"], item["text"]) == ("string", 200, "What is it?")
    assert item["_text"]["extension"][0]["extension"][1]["valueString"] == "ما هذا العَرَض؟"
