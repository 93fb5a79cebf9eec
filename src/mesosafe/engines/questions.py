"""Which follow-up questions apply to a reported symptom, and the answers as the engine takes them.

The knowledge base says which questions (severity, trend, spreading) each symptom asks, and from which day
"since yesterday" is asked. The engine ignores an answer to a question that does not apply (it is unknown,
as if not asked); the shells (API, CLI) go further (engines/contract.py): they require every answer that
applies and drop the others, so nothing a patient was not asked is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from mesosafe.engines.inputs import CheckIn
from mesosafe.knowledge import KnowledgeBase, Severity, Trend

QUESTIONS = ("severity", "trend", "spreading")
WHAT = {
    "severity": "how bad it is: mild, moderate or severe",
    "trend": "since yesterday: improving, same or worse",
    "spreading": "whether it is spreading: true or false",
}


@dataclass(frozen=True)
class Answers:
    """One symptom's follow-up answers; None where the question was not asked or does not apply. The
    ranks (-1 when unknown) let the engine compare without looking them up on every test."""

    severity: Severity | None
    trend: Trend | None
    spreading: bool | None
    severity_rank: int = -1
    trend_rank: int = -1


def _answers(severity: Severity | None, trend: Trend | None, spreading: bool | None) -> Answers:
    return Answers(
        severity,
        trend,
        spreading,
        SEVERITY_RANK[severity] if severity is not None else -1,
        TREND_RANK[trend] if trend is not None else -1,
    )


SEVERITY_RANK = {s: s.rank for s in Severity}
TREND_RANK = {t: t.rank for t in Trend}


def asked(kb: KnowledgeBase, code: str, days: float) -> tuple[str, ...]:
    """The follow-up questions a patient reporting `code` on day `days` after treatment is asked."""
    key = (kb.version, code, days < kb.triage.questions.trend_from_day)
    questions = _asked.get(key)
    if questions is None:
        asks = kb.effects[code].asks
        questions = _asked[key] = tuple(q for q in asks if not (key[2] and q == "trend"))
    return questions


_asked: dict[tuple[str, str, bool], tuple[str, ...]] = {}


def answers_of(check_in: CheckIn, kb: KnowledgeBase) -> list[Answers]:
    """Each symptom's answers, with those to questions that do not apply taken as unknown."""
    days = check_in.days_since_treatment
    out = []
    for symptom in check_in.symptoms:
        applies = asked(kb, symptom.code, days)
        out.append(
            _answers(
                symptom.severity if "severity" in applies else None,
                symptom.trend if "trend" in applies else None,
                symptom.spreading if "spreading" in applies else None,
            )
        )
    return out


def has_fever(check_in: CheckIn, kb: KnowledgeBase) -> tuple[bool, bool]:
    """(a fever: reported or measured, a measured fever) at the knowledge base's threshold."""
    temperature = check_in.temperature_c
    measured = temperature is not None and temperature >= kb.triage.fever.threshold_c
    return measured or any(s.code == "fever" for s in check_in.symptoms), measured


def has_low_temperature(check_in: CheckIn, kb: KnowledgeBase) -> tuple[bool, bool]:
    """(a measured temperature below the knowledge base's low threshold, below its very low one)."""
    temperature = check_in.temperature_c
    if temperature is None:
        return False, False
    low, very_low = kb.triage.low_temperature.threshold_c, kb.triage.very_low_temperature.threshold_c
    return temperature < low, temperature < very_low
