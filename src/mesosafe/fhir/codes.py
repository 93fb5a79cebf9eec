"""mesosafe's own FHIR code systems (one canonical URL each) and the optional mapping to SNOMED CT / LOINC.

The codes are the knowledge base's vocabulary (symptom codes, dispositions, screening decisions, rule ids),
so they carry no language: a Coding's display is the English name, and the CodeableConcept's `text` is
written in the patient's language. A deployment that holds a SNOMED CT or LOINC licence may add a mapping
table (`MESOSAFE_FHIR_CODE_MAP`, a CSV file: `system,code,target_system,target_code,target_display`, where
`system` is one of the short names below); its codings are then added beside mesosafe's own.
"""

from __future__ import annotations

import csv
import os
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

CANONICAL = "https://mesosafe.org/fhir"

SYSTEMS = {
    "symptom": f"{CANONICAL}/CodeSystem/symptom",
    "disposition": f"{CANONICAL}/CodeSystem/disposition",
    "decision": f"{CANONICAL}/CodeSystem/screening-decision",
    "rule": f"{CANONICAL}/CodeSystem/rule",
    "answer": f"{CANONICAL}/CodeSystem/answer",
    "observation": f"{CANONICAL}/CodeSystem/observation",
    "staff-role": f"{CANONICAL}/CodeSystem/staff-role",
}
IDENTIFIERS = f"{CANONICAL}/sid"
CHECKIN_QUESTIONNAIRE = f"{CANONICAL}/Questionnaire/checkin"
SCREENING_QUESTIONNAIRE = f"{CANONICAL}/Questionnaire/screening"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
UCUM = "http://unitsofmeasure.org"

HL7_TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
AE_SERIOUSNESS = f"{HL7_TERMINOLOGY}/adverse-event-seriousness"
AE_SEVERITY = f"{HL7_TERMINOLOGY}/adverse-event-severity"
AE_OUTCOME = f"{HL7_TERMINOLOGY}/adverse-event-outcome"
AE_CAUSALITY = f"{HL7_TERMINOLOGY}/adverse-event-causality-assess"
CONDITION_CLINICAL = f"{HL7_TERMINOLOGY}/condition-clinical"
CONDITION_VERIFICATION = f"{HL7_TERMINOLOGY}/condition-ver-status"
OBSERVATION_CATEGORY = f"{HL7_TERMINOLOGY}/observation-category"


def moment(value: datetime) -> str:
    """An instant as FHIR writes it: ISO 8601, UTC as 'Z'."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"system": SYSTEMS.get(system, system), "code": code}
    if display:
        found["display"] = display
    return found


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept of one of our codes, with the deployment's mapped codings added when present."""
    codings = [coding(system, code, display), *mapped(system, code)]
    found: dict[str, Any] = {"coding": codings}
    if text:
        found["text"] = text
    return found


def mapped(system: str, code: str) -> list[dict[str, Any]]:
    return code_map(os.environ.get("MESOSAFE_FHIR_CODE_MAP", "")).get((system, code), [])


COLUMNS = ("system", "code", "target_system", "target_code", "target_display")


@cache
def code_map(path: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The mapping table, read once per process; an empty path is no table."""
    table: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if not path:
        return table
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS[:4]) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: the code map needs the columns {', '.join(COLUMNS)}")
        for row in reader:
            target = {"system": row["target_system"], "code": row["target_code"]}
            if row.get("target_display"):
                target["display"] = row["target_display"]
            table.setdefault((row["system"], row["code"]), []).append(target)
    return table
