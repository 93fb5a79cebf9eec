"""Screening and check-in → QuestionnaireResponse (what the patient answered) and Observation (what the
engine made of it: the decision or disposition, each reason as a coded rule with its text, the knowledge-base
version).

A response holds only the answers that are stored: a question not asked, or not answered, is left out,
never filled in with a default. Texts are in the patient's language; codes carry none.
"""

from __future__ import annotations

from typing import Any

from mesosafe import explain
from mesosafe.checkins.models import CheckIn
from mesosafe.fhir.codes import (
    CHECKIN_QUESTIONNAIRE,
    OBSERVATION_CATEGORY,
    SCREENING_QUESTIONNAIRE,
    UCUM,
    concept,
    moment,
)
from mesosafe.fhir.definitions import ANSWERS, both
from mesosafe.fhir.people import ref
from mesosafe.knowledge import KnowledgeBase, Lang, Severity, Trend
from mesosafe.patients.models import Patient, Screening

SCREENING_KINDS = {
    "pregnant": "boolean",
    "breastfeeding": "boolean",
    "active_skin_infection_at_site": "boolean",
    "unresolved_bruising_from_previous_session": "boolean",
    "low_pain_threshold": "boolean",
    "sunburn_at_site": "boolean",
    "keloid_history": "boolean",
    "previous_anaphylaxis": "boolean",
    "previous_mesotherapy_reaction": "boolean",
    "age": "integer",
    "sun_exposure_days_ago": "decimal",
    "skin_irritants_days_ago": "decimal",
}


def _answer(kind: str, value: Any) -> dict[str, Any]:
    return {f"value{kind.title()}": value}


def screening_response(screening: Screening, patient: Patient) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for name, value in screening.answers.items():
        if value is None or value == []:
            continue
        if name in SCREENING_KINDS:
            items.append({"linkId": name, "answer": [_answer(SCREENING_KINDS[name], value)]})
        elif name == "medications":
            items += [{"linkId": "medications", "item": _medication(m)} for m in value]
        elif isinstance(value, list):
            items.append({"linkId": name, "answer": [{"valueString": str(v)} for v in value]})
    return _response(
        f"screening-{screening.id}", SCREENING_QUESTIONNAIRE, patient, moment(screening.created_at), items
    )


def _medication(entry: dict[str, Any]) -> list[dict[str, Any]]:
    kinds = {"name": "string", "last_taken_days_ago": "decimal", "prescribed": "boolean"}
    return [
        {"linkId": f"medications.{k}", "answer": [_answer(kind, entry[k])]}
        for k, kind in kinds.items()
        if entry.get(k) is not None
    ]


def checkin_response(checkin: CheckIn, patient: Patient, kb: KnowledgeBase) -> dict[str, Any]:
    items = [
        _symptom(symptom, patient.preferred_language, kb) for symptom in checkin.answers.get("symptoms", [])
    ]
    if checkin.answers.get("temperature_c") is not None:
        items.append(
            {
                "linkId": "temperature_c",
                "answer": [
                    {
                        "valueQuantity": {
                            "value": checkin.answers["temperature_c"],
                            "unit": "°C",
                            "system": UCUM,
                            "code": "Cel",
                        }
                    }
                ],
            }
        )
    return _response(
        f"checkin-{checkin.id}", CHECKIN_QUESTIONNAIRE, patient, moment(checkin.submitted_at), items
    )


def _symptom(symptom: dict[str, Any], lang: str, kb: KnowledgeBase) -> dict[str, Any]:
    code = symptom["code"]
    effect = kb.effects.get(code)
    answers = [{"linkId": f"{code}.reported", "answer": [{"valueBoolean": True}]}]
    for question, kind in (("severity", Severity), ("trend", Trend)):
        if symptom.get(question) is not None:
            value = kind(symptom[question])
            display = getattr(both(ANSWERS[value]), lang)
            answers.append(
                {
                    "linkId": f"{code}.{question}",
                    "answer": [
                        {"valueCoding": {**concept("answer", str(value))["coding"][0], "display": display}}
                    ],
                }
            )
    if symptom.get("spreading") is not None:
        answers.append(
            {"linkId": f"{code}.spreading", "answer": [{"valueBoolean": bool(symptom["spreading"])}]}
        )
    if symptom.get("description") is not None:  # the patient's own words, as written
        answers.append(
            {"linkId": f"{code}.description", "answer": [{"valueString": str(symptom["description"])}]}
        )
    group: dict[str, Any] = {"linkId": code, "item": answers}
    if effect is not None:
        group["text"] = getattr(effect.name, lang)
    return group


def _response(
    key: str, questionnaire: str, patient: Patient, authored: str, items: list[dict[str, Any]]
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": key,
        "language": patient.preferred_language,
        "questionnaire": questionnaire,
        "status": "completed",
        "subject": ref("Patient", f"patient-{patient.id}"),
        "authored": authored,
        "source": ref("Patient", f"patient-{patient.id}"),
    }
    if items:
        found["item"] = items
    return found


def triage_observation(checkin: CheckIn, patient: Patient, kb: KnowledgeBase) -> dict[str, Any]:
    """From what was stored (explain.checkin): the label and each reason's text as the patient was told."""
    lang = Lang(patient.preferred_language)
    shown, english = explain.checkin(checkin, lang), explain.checkin(checkin, Lang.EN)
    value = concept("disposition", checkin.disposition, english.label, shown.label)
    return _observation(
        f"checkin-{checkin.id}-triage",
        "triage-disposition",
        value,
        shown,
        patient,
        moment(checkin.submitted_at),
        f"checkin-{checkin.id}",
    )


def screening_observation(screening: Screening, patient: Patient, kb: KnowledgeBase) -> dict[str, Any]:
    lang = Lang(patient.preferred_language)
    shown, english = explain.screening(screening, lang), explain.screening(screening, Lang.EN)
    value = concept("decision", screening.decision, english.label, shown.label)
    found = _observation(
        f"screening-{screening.id}-decision",
        "screening-decision",
        value,
        shown,
        patient,
        moment(screening.created_at),
        f"screening-{screening.id}",
    )
    if screening.defer_days is not None:
        found["component"].append(
            {
                "code": concept("observation", "defer-days", "Defer (days)"),
                "valueQuantity": {"value": screening.defer_days, "unit": "d", "system": UCUM, "code": "d"},
            }
        )
    return found


def _observation(
    key: str,
    code: str,
    value: dict[str, Any],
    shown: explain.Shown,
    patient: Patient,
    when: str,
    response: str,
) -> dict[str, Any]:
    lang = patient.preferred_language
    components: list[dict[str, Any]] = [
        {
            "code": concept("observation", "reason", "A reason for the result"),
            "valueCodeableConcept": concept("rule", reason["rule"], None, reason.get("text") or None),
        }
        for reason in shown.reasons
        if reason.get("rule")
    ]
    components.append(
        {
            "code": concept("observation", "kb-version", "Knowledge-base version"),
            "valueString": shown.kb_version,
        }
    )
    return {
        "resourceType": "Observation",
        "id": key,
        "language": lang,
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": concept("observation", code),
        "subject": ref("Patient", f"patient-{patient.id}"),
        "effectiveDateTime": when,
        "valueCodeableConcept": value,
        "derivedFrom": [ref("QuestionnaireResponse", response)],
        "component": components,
    }
