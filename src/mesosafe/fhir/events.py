"""Complication → AdverseEvent (seriousness, severity, outcome, onset, the treatment and its products as
suspect entities with the practitioner's causality) and one Condition per recorded symptom."""

from __future__ import annotations

from typing import Any

from mesosafe.complications.icsr import seriousness_criteria
from mesosafe.complications.models import Complication
from mesosafe.e2b.codes import Seriousness
from mesosafe.fhir.codes import (
    AE_CAUSALITY,
    AE_OUTCOME,
    AE_SERIOUSNESS,
    AE_SEVERITY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    concept,
    moment,
)
from mesosafe.fhir.people import ref
from mesosafe.knowledge import KnowledgeBase

# The HL7 value sets' codes for the record's values (format facts, not clinical rules). Seriousness: the
# ICSR's criteria (E.i.3.2a–f), so that both exports say the same; other medically important is "Serious".
SERIOUSNESS = {
    Seriousness.DEATH: ("SeriousResultsInDeath", "Results in death"),
    Seriousness.LIFE_THREATENING: ("SeriousIsLifeThreatening", "Is Life-threatening"),
    Seriousness.HOSPITALISATION: (
        "SeriousResultsInHospitalization",
        "Requires or prolongs inpatient hospitalization",
    ),
    Seriousness.DISABILITY: ("SeriousResultsInDisability", "Results in disability"),
    Seriousness.CONGENITAL_ANOMALY: ("SeriousIsBirthDefect", "Is a congenital anomaly/birth defect"),
}
OUTCOME = {
    "recovered": "resolved",
    "recovering": "recovering",
    "not_recovered": "ongoing",
    "recovered_with_sequelae": "resolvedWithSequelae",
    "fatal": "fatal",
    "unknown": "unknown",
}
CAUSALITY = {
    "definitely": "Certain",
    "probably": "Probably-Likely",
    "possibly": "Possible",
    "unlikely": "Unlikely",
}
# CTCAE: grade 1 mild, 2 moderate, 3 and above severe (4 life-threatening and 5 death are seriousness too)
SEVERITY = {1: "mild", 2: "moderate"}


def adverse_event(complication: Complication, kb: KnowledgeBase, staff_id: int | None) -> dict[str, Any]:
    treatment = complication.treatment
    patient = treatment.patient
    found: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "id": f"complication-{complication.id}",
        "actuality": "actual",
        "event": {"text": _symptom_names(complication, kb, patient.preferred_language) or "Complication"},
        "subject": ref("Patient", f"patient-{patient.id}"),
        "date": complication.onset_date.isoformat(),
        "recordedDate": moment(complication.created_at),
        "seriousness": _seriousness(complication),
        "severity": {"coding": [{"system": AE_SEVERITY, "code": SEVERITY.get(complication.grade, "severe")}]},
        "outcome": {"coding": [{"system": AE_OUTCOME, "code": OUTCOME[complication.outcome]}]},
        "suspectEntity": _suspects(complication, staff_id),
    }
    if staff_id is not None:
        found["recorder"] = ref("Practitioner", f"staff-{staff_id}")
    conditions = [ref("Condition", condition_id(complication, code)) for code in complication.symptom_codes]
    if conditions:
        found["resultingCondition"] = conditions
    return found


def _symptom_names(complication: Complication, kb: KnowledgeBase, lang: str) -> str:
    """The symptoms' names, each described one with the patient's words: "Something else: a headache"."""
    words = complication.own_words()
    names = [getattr(kb.effects[c].name, lang) if c in kb.effects else c for c in complication.symptom_codes]
    said = [
        f"{name}: {words[c]}" if c in words else name
        for name, c in zip(names, complication.symptom_codes, strict=True)
    ]
    return "، ".join(said) if lang == "ar" else ", ".join(said)


def _seriousness(complication: Complication) -> dict[str, Any]:
    """One coding per criterion the ICSR sends (death with the reason given, for a fatal outcome), in
    E.i.3.2's order; FHIR R4 has one `seriousness`, so the criteria are its codings."""
    if not complication.serious:
        return {"coding": [{"system": AE_SERIOUSNESS, "code": "Non-serious", "display": "Non-serious"}]}
    criteria = seriousness_criteria(complication)
    codings = [
        SERIOUSNESS.get(criterion, ("Serious", "Serious"))
        for criterion in Seriousness
        if criterion in criteria
    ]
    text = complication.serious_reason.replace("_", " ")
    return {
        "coding": [{"system": AE_SERIOUSNESS, "code": c, "display": d} for c, d in codings],
        "text": f"{text}, death" if Seriousness.DEATH in criteria else text,
    }


def _suspects(complication: Complication, staff_id: int | None) -> list[dict[str, Any]]:
    treatment = complication.treatment
    causality: dict[str, Any] = {"productRelatedness": complication.relatedness.replace("_", " ")}
    if complication.relatedness in CAUSALITY:
        causality["assessment"] = {
            "coding": [{"system": AE_CAUSALITY, "code": CAUSALITY[complication.relatedness]}]
        }
    if staff_id is not None:
        causality["author"] = ref("Practitioner", f"staff-{staff_id}")
    suspects = [{"instance": ref("Procedure", f"treatment-{treatment.id}"), "causality": [causality]}]
    batches = sorted({line.batch_id for line in treatment.products.all()})
    suspects += [{"instance": ref("Medication", f"batch-{b}"), "causality": [causality]} for b in batches]
    return suspects


# condition-clinical has no "fatal": the patient no longer has the condition, and did not recover from it
# (not "resolved"); the death is the AdverseEvent's outcome "fatal" and seriousness. con-4: abated means
# inactive, resolved or remission, so the outcome date is the abatement of all three.
CLINICAL_STATUS = {"recovered": "resolved", "recovered_with_sequelae": "resolved", "fatal": "inactive"}


def condition_id(complication: Complication, code: str) -> str:
    return f"complication-{complication.id}-{code.replace('_', '-')}"


def conditions(complication: Complication, kb: KnowledgeBase) -> list[dict[str, Any]]:
    patient = complication.treatment.patient
    lang = patient.preferred_language
    clinical = CLINICAL_STATUS.get(complication.outcome, "active")
    found = []
    words = complication.own_words()  # the text "as entered" of a code that says only "something else"
    for code in complication.symptom_codes:
        effect = kb.effects.get(code)
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "id": condition_id(complication, code),
            "language": lang,
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": clinical}]},
            "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
            "code": concept(
                "symptom",
                code,
                effect.name.en if effect else None,
                words.get(code) or (getattr(effect.name, lang) if effect else None),
            ),
            "subject": ref("Patient", f"patient-{patient.id}"),
            "onsetDateTime": complication.onset_date.isoformat(),
        }
        if clinical != "active" and complication.outcome_date:
            condition["abatementDateTime"] = complication.outcome_date.isoformat()
        found.append(condition)
    return found
