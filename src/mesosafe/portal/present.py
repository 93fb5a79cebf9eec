"""Stored engine answers shown in the page's language.

Engines are pure, so a stored check-in or screening is re-run in the language of the page when the knowledge
base is the one that judged it; otherwise the stored reasons (in the patient's recorded language) are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mesosafe.checkins.models import CheckIn
from mesosafe.engines import CheckIn as CheckInInput
from mesosafe.engines import InputError, Intake, parse, screen, triage
from mesosafe.engines.results import ScreeningResult, TriageResult
from mesosafe.engines.triage import watch_for
from mesosafe.knowledge import Decision, Disposition, Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.patients.models import Screening


@dataclass(frozen=True)
class Shown:
    """What a result page needs, whatever the source."""

    level: str
    label: str
    action: str
    reasons: list[dict[str, Any]]
    watch_for: list[str]
    expected: list[dict[str, Any]]


def disposition_labels(lang: Lang) -> dict[str, str]:
    """Each disposition's label for the patient ("Seek medical care today"), by its code."""
    return {d.code.value: d.label.get(lang) for d in load_kb().triage.dispositions}


def checkin_result(checkin: CheckIn, lang: Lang) -> Shown:
    kb = load_kb()
    disposition = Disposition(checkin.disposition)
    texts = {d.code: d for d in kb.triage.dispositions}[disposition]
    watch = watch_for(kb, lang, disposition)
    result = _retriage(checkin, lang) if checkin.kb_version == kb.version else None
    if result is None or result.disposition != disposition:
        return Shown(
            disposition.value, texts.label.get(lang), texts.action.get(lang), checkin.reasons, watch, []
        )
    return Shown(
        disposition.value,
        result.label,
        result.action,
        [r.model_dump(mode="json") for r in result.reasons],
        result.watch_for,
        [e.model_dump(mode="json") for e in result.expected],
    )


def _retriage(checkin: CheckIn, lang: Lang) -> TriageResult | None:
    try:
        answers = parse(
            CheckInInput, {**checkin.answers, "days_since_treatment": checkin.days_since_treatment}
        )
        return triage(answers, lang)
    except InputError:
        return None


def screening_result(screening: Screening, lang: Lang) -> Shown:
    kb = load_kb()
    decision = Decision(screening.decision)
    label = next(d.label for d in kb.screening.decisions if d.code == decision).get(lang)
    result = _rescreen(screening, lang) if screening.kb_version == kb.version else None
    if result is None or result.decision != decision:
        return Shown(decision.value, label, "", screening.reasons, [], [])
    return Shown(
        decision.value, result.label, "", [r.model_dump(mode="json") for r in result.reasons], [], []
    )


def _rescreen(screening: Screening, lang: Lang) -> ScreeningResult | None:
    try:
        return screen(parse(Intake, screening.answers), lang)
    except InputError:
        return None


@dataclass(frozen=True)
class PrepItem:
    title: str
    text: str
    start: date | None
    end: date | None
    days_before: tuple[float, float]


def preparation(lang: Lang, session: date | None) -> list[PrepItem]:
    """The preparation checklist; with a session date each item gets its real dates."""
    items = []
    for item in sorted(load_kb().aftercare.preparation, key=lambda p: -p.days_before[0]):
        start = end = None
        if session is not None:
            start = session - timedelta(days=item.days_before[0])
            end = session - timedelta(days=item.days_before[1])
        items.append(PrepItem(item.title.get(lang), item.text.get(lang), start, end, item.days_before))
    return items


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def day_of(performed_at: datetime, days: float) -> datetime:
    return performed_at + timedelta(days=days)
