"""Whether a complication counts as a suspected infection for registry cluster alerts. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from mesosafe.knowledge import KnowledgeBase
from mesosafe.knowledge import load as load_kb


def suspected_infection(
    symptom_codes: Iterable[str], onset_day: float, flagged: bool, kb: KnowledgeBase | None = None
) -> bool:
    """Flagged by a clinician, or a sign of infection, or a late lump (onset_day: days after the session)."""
    rule = (kb or load_kb()).triage.suspected_infection
    codes = set(symptom_codes)
    late = onset_day > rule.late_after_day and not codes.isdisjoint(rule.late_symptoms)
    return flagged or late or not codes.isdisjoint(rule.symptoms)
