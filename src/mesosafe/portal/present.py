"""What the patient pages work out for display: the preparation checklist's dates, an age, a day after the
treatment. Stored engine answers are shown by `mesosafe.explain`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from mesosafe.checkins.answers import AS_WRITTEN, SEVERITY_LABELS, TREND_LABELS
from mesosafe.knowledge import Lang, Severity, Trend
from mesosafe.knowledge import load as load_kb


@dataclass(frozen=True)
class PrepItem:
    title: str
    text: str
    start: date | None
    end: date | None
    days_before: tuple[float, float]
    from_today: bool = False  # its dates start today ("From today to …")


def preparation(lang: Lang, session: date | None, today: date) -> list[PrepItem]:
    """The preparation checklist; with a session date each item gets its real dates, from today at the
    earliest."""
    items = []
    for item in sorted(load_kb().aftercare.preparation, key=lambda p: -p.days_before[0]):
        start = end = None
        if session is not None:
            start, end = window(session, item.days_before, today)
        title, text = item.title.get(lang), item.text.get(lang)
        items.append(PrepItem(title, text, start, end, item.days_before, start == today))
    return items


def window(session: date, days_before: tuple[float, float], today: date) -> tuple[date, date]:
    """An item's first and last day before `session`. One that began before today starts today: the days
    already past cannot be done now. One already over (a session date in the past) keeps its dates."""
    start = session - timedelta(days=days_before[0])
    end = session - timedelta(days=days_before[1])
    return (today if start < today <= end else start), end


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def day_of(performed_at: datetime, days: float) -> datetime:
    return performed_at + timedelta(days=days)


@dataclass(frozen=True)
class Answered:
    """One reported symptom of a stored check-in as the recovery page lists it: None where not asked."""

    name: str
    severity: str | None
    trend: str | None
    words: str = ""  # the patient's own description ('something else'), shown as they wrote it

    @property
    def as_written(self) -> str:
        return str(AS_WRITTEN)

    @property
    def parts(self) -> list[tuple[str, bool]]:
        """(words, whether it was asked) for how bad it is and since yesterday, in the active language."""
        return [
            (self.severity, True) if self.severity else (_("how bad: not asked"), False),
            (self.trend, True) if self.trend else (_("since yesterday: not asked"), False),
        ]


def answered(answers: dict[str, Any], lang: Lang) -> list[Answered]:
    """A stored check-in's symptoms with the severity and trend it stored; a question not asked has no
    answer (a check-in stored before 'not asked' existed stored mild/same, and keeps showing them)."""
    effects = load_kb().effects
    out = []
    for s in answers.get("symptoms", []):
        effect = effects.get(s.get("code", ""))
        severity, trend = s.get("severity"), s.get("trend")
        out.append(
            Answered(
                effect.name.get(lang) if effect else str(s.get("code", "?")),
                str(SEVERITY_LABELS[Severity(severity)]) if severity in SEVERITIES else None,
                str(TREND_LABELS[Trend(trend)]) if trend in TRENDS else None,
                words if isinstance(words := s.get("description"), str) else "",
            )
        )
    return out


SEVERITIES = {s.value for s in Severity}
TRENDS = {t.value for t in Trend}
