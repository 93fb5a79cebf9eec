"""A server-rendered SVG line chart: each symptom's severity over the days since treatment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesosafe.knowledge import Severity

WIDTH, HEIGHT = 340, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 12, 12, 30
# Colours with at least 4.5:1 contrast against white, told apart by dash pattern too.
COLOURS = ["#0b5394", "#b00020", "#1b5e20", "#6a1b9a", "#8a4b00", "#00695c", "#37474f", "#ad1457"]
DASHES = ["", "6 3", "2 3", "8 3 2 3"]
LEVEL = {Severity.MILD.value: 1, Severity.MODERATE.value: 2, Severity.SEVERE.value: 3}


@dataclass(frozen=True)
class Series:
    code: str
    name: str
    points: list[tuple[float, int]]  # (day, level 0..3)
    colour: str
    dash: str
    path: str
    dots: list[tuple[float, float]]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    series: list[Series]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    plot: tuple[int, int, int, int]


def severity_series(
    checkins: list[dict[str, Any]], names: dict[str, str]
) -> dict[str, list[tuple[float, int]]]:
    """Check-ins (oldest first, each {'day': float, 'symptoms': [...]}) → per symptom (day, level).

    A symptom not reported in a later check-in is drawn at 0 from then on (it has gone)."""
    seen: dict[str, list[tuple[float, int]]] = {}
    for checkin in checkins:
        reported = {s["code"]: LEVEL.get(s.get("severity", "mild"), 1) for s in checkin["symptoms"]}
        for code in list(seen):
            if code not in reported:
                seen[code].append((checkin["day"], 0))
        for code, level in reported.items():
            if code in names:
                seen.setdefault(code, []).append((checkin["day"], level))
    return seen


def build(series: dict[str, list[tuple[float, int]]], names: dict[str, str], max_day: float = 14) -> Chart:
    last = max([day for points in series.values() for day, _ in points] + [max_day])
    span = _nice_span(last)
    x0, y0 = LEFT, TOP
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: float) -> float:
        return round(x0 + w * min(day, span) / span, 1)

    def y(level: int) -> float:
        return round(y0 + h - h * level / 3, 1)

    out = []
    for i, (code, points) in enumerate(sorted(series.items())):
        coords = [(x(day), y(level)) for day, level in points]
        path = " ".join(f"{'M' if j == 0 else 'L'}{cx},{cy}" for j, (cx, cy) in enumerate(coords))
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        out.append(Series(code, names[code], points, colour, dash, path, coords))
    step = _tick_step(span)
    ticks = [(x(d), f"{d:g}") for d in _frange(0, span, step)]
    return Chart(WIDTH, HEIGHT, out, ticks, [(y(level), level) for level in range(4)], (x0, y0, w, h))


def _nice_span(last: float) -> float:
    for span in (7, 14, 28, 56, 84, 112, 168, 365):
        if last <= span:
            return float(span)
    return float(last)


def _tick_step(span: float) -> float:
    return 1 if span <= 7 else 2 if span <= 14 else 7 if span <= 56 else 14 if span <= 112 else 28


def _frange(start: float, stop: float, step: float) -> list[float]:
    values, value = [], start
    while value <= stop + 1e-9:
        values.append(value)
        value += step
    return values
