"""The check-in as the API and the CLI accept and store it: every follow-up answer that applies is
required, and answers to questions that do not apply are dropped, never stored.

A red flag stops the questions: when the answers given already make the check-in an emergency, the
missing ones are not asked (NHS 111 online and Ada stop at the first red flag too). They stay unknown and
are not stored; the emergency cannot be lowered by any answer to them.
"""

from __future__ import annotations

from typing import Any

from mesosafe.engines.inputs import CheckIn, InputError, SymptomReport, check_symptom_codes
from mesosafe.engines.questions import QUESTIONS, WHAT, asked
from mesosafe.engines.triage import triage
from mesosafe.knowledge import Disposition, KnowledgeBase


def complete(check_in: CheckIn, kb: KnowledgeBase) -> CheckIn:
    """`check_in` with only the answers that apply; an InputError naming the first missing one (e.g.
    'symptoms[0].severity'), unless the check-in is an emergency without it."""
    check_symptom_codes(check_in, kb)
    days = check_in.days_since_treatment
    symptoms = []
    missing: list[tuple[str, str]] = []
    for index, symptom in enumerate(check_in.symptoms):
        applies = asked(kb, symptom.code, days)
        missing += [
            (f"symptoms[{index}].{q}", f"required for '{symptom.code}': {WHAT[q]}")
            for q in applies
            if getattr(symptom, q) is None
        ]
        kept = {q: getattr(symptom, q) for q in QUESTIONS if q in applies}
        # the patient's own words, kept as written (check_symptom_codes allowed them for this code)
        symptoms.append(SymptomReport(code=symptom.code, description=symptom.description, **kept))
    kept_check_in = check_in.model_copy(update={"symptoms": symptoms})
    if missing and triage(kept_check_in, kb=kb).disposition != Disposition.EMERGENCY:
        field, message = missing[0]
        raise InputError(field, message, "missing")
    return kept_check_in


def stored(check_in: CheckIn) -> dict[str, Any]:
    """The answers to store (without days_since_treatment): only the answers that were given, with a
    symptom's description in the patient's own words where there is one."""
    return {
        "symptoms": [s.model_dump(mode="json", exclude_none=True) for s in check_in.symptoms],
        "temperature_c": check_in.temperature_c,
    }
