"""Calendar quarters for ``--period quarter``: each quarter's scores are those of a run over every report
dated up to the quarter's last day (cumulative, as a screening programme sees its database grow)."""

from __future__ import annotations

from datetime import date, timedelta


def quarter_label(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_end(day: date) -> date:
    first_month_next = ((day.month - 1) // 3 + 1) * 3 + 1
    if first_month_next > 12:
        return date(day.year, 12, 31)
    return date(day.year, first_month_next, 1) - timedelta(days=1)


def quarter_ends(first: date, last: date) -> list[tuple[str, date]]:
    """(label, last day) of every quarter from the one holding ``first`` to the one holding ``last``."""
    ends = []
    day = quarter_end(first)
    while True:
        ends.append((quarter_label(day), day))
        if day >= last:
            return ends
        day = quarter_end(day + timedelta(days=1))
