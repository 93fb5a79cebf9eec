"""What the patient pages work out for display: the preparation checklist's dates, an age, a day after the
treatment. Stored engine answers are shown by `mesosafe.explain`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mesosafe.knowledge import Lang
from mesosafe.knowledge import load as load_kb


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
