"""A server-rendered SVG line chart: each symptom's severity at each check-in since treatment.

One column per check-in, in time order and labelled with its day after treatment, so that several check-ins
on one day stay apart (on a time axis they fell on one spot). A symptom whose severity was not asked (a
warning sign asks none) gets no mark: never drawn as "mild"; the list beside the chart says "not asked"."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mesosafe.knowledge import Severity

WIDTH, HEIGHT = 340, 210
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 12, 34
MIN_LABEL_GAP = 26  # user units between two day labels (the tick font is 14, see site.css)
# Colours with at least 4.5:1 contrast against white, told apart by dash pattern too.
COLOURS = ["#0b5394", "#b00020", "#1b5e20", "#6a1b9a", "#8a4b00", "#00695c", "#37474f", "#ad1457"]
DASHES = ["", "6 3", "2 3", "8 3 2 3"]
LEVEL = {Severity.MILD.value: 1, Severity.MODERATE.value: 2, Severity.SEVERE.value: 3}

Level = int | None  # 0..3, or None: reported, but how bad it was was not asked


@dataclass(frozen=True)
class Series:
    code: str
    name: str
    levels: list[tuple[int, Level]]  # (check-in index, level)
    colour: str
    dash: str
    path: str
    dots: list[tuple[float, float]]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    series: list[Series]
    x_ticks: list[tuple[float, str]]  # one per check-in, labelled with its day (some labels left out)
    columns: list[float]  # the x of each check-in
    y_ticks: list[tuple[float, int]]
    plot: tuple[int, int, int, int]
    not_asked: bool  # some symptom's severity was not asked


def severity_series(
    checkins: list[dict[str, Any]], names: dict[str, str]
) -> dict[str, list[tuple[int, Level]]]:
    """Check-ins (oldest first, each {'day': float, 'symptoms': [...]}) → per symptom (check-in index, level).

    A symptom not reported in a later check-in is drawn at 0 from then on (it has gone). A severity that was
    not stored was not asked: None, whatever the symptom's other answers. A symptom reported more than once in
    one check-in (stored before such a check-in was refused) is drawn at the highest severity reported,
    never a milder one."""
    seen: dict[str, list[tuple[int, Level]]] = {}
    for index, checkin in enumerate(checkins):
        reported: dict[str, Level] = {}
        for s in checkin["symptoms"]:
            level, before = LEVEL.get(s.get("severity") or ""), reported.get(s["code"])
            reported[s["code"]] = level if before is None else max(before, level or 0)
        for code in list(seen):
            if code not in reported:
                seen[code].append((index, 0))
        for code, level in reported.items():
            if code in names:
                seen.setdefault(code, []).append((index, level))
    return seen


def build(days: list[float], series: dict[str, list[tuple[int, Level]]], names: dict[str, str]) -> Chart:
    """The chart of `series` over check-ins made on `days` after treatment (oldest first)."""
    x0, y0 = LEFT, TOP
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    gap = w / max(len(days), 1)
    columns = [round(x0 + gap * (i + 0.5), 1) for i in range(len(days))]
    # several symptoms at one level in one column sit side by side, not on top of each other
    spread = min(5.0, gap * 0.6 / max(len(series), 1))

    def y(level: int) -> float:
        return round(y0 + h - h * level / 3, 1)

    out = []
    for i, (code, levels) in enumerate(sorted(series.items())):
        shift = (i - (len(series) - 1) / 2) * spread
        dots = [(round(columns[at] + shift, 1), y(level)) for at, level in levels if level is not None]
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        out.append(Series(code, names[code], levels, colour, dash, _path(levels, columns, shift, y), dots))
    every = max(1, math.ceil(MIN_LABEL_GAP / gap))
    last = len(days) - 1
    ticks = [(columns[i], f"{math.floor(d):d}") for i, d in enumerate(days) if i % every == 0 or i == last]
    if len(ticks) > 1 and ticks[-1][0] - ticks[-2][0] < MIN_LABEL_GAP:
        del ticks[-2]  # the latest check-in keeps its label
    not_asked = any(level is None for levels in series.values() for _, level in levels)
    return Chart(
        WIDTH,
        HEIGHT,
        out,
        ticks,
        columns,
        [(y(level), level) for level in range(4)],
        (x0, y0, w, h),
        not_asked,
    )


def _path(levels: list[tuple[int, Level]], columns: list[float], shift: float, y: Any) -> str:
    """A line through the known levels, broken where a level is unknown (no line is drawn through it)."""
    parts, pen_down = [], False
    for at, level in levels:
        if level is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{round(columns[at] + shift, 1)},{y(level)}")
        pen_down = True
    return " ".join(parts)
