"""The registry page's funnel plots, drawn as SVG in the page's language from the report's
``funnel_<unit>_<outcome>.json`` (written by the worker), with every unit listed in a table beside them.

The web process reads JSON only: the analysis (pandas, SciPy, matplotlib) stays in the worker.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy, pgettext_lazy

from mesosafe.clinic_safety.formats import probability
from mesosafe.clinic_safety.labels import place

__all__ = ["probability"]  # shown as the report's summary shows it

WIDTH, HEIGHT = 460, 340
LEFT, RIGHT, TOP, BOTTOM = 62, 14, 34, 52  # the rate's axis title sits above the plot
LABEL_HEIGHT = 16.0
DIGIT_WIDTH = 9.0  # at the labels' 14 px bold

UNIT_NAMES = {
    "clinic": pgettext_lazy("registry unit", "clinic"),
    "practitioner": pgettext_lazy("registry unit", "practitioner"),
    "product": pgettext_lazy("registry unit", "product"),
    "batch": pgettext_lazy("registry unit", "batch"),
}
TITLES = {
    ("complication", "clinic"): gettext_lazy("Complication rate by clinic"),
    ("complication", "practitioner"): gettext_lazy("Complication rate by practitioner"),
    ("complication", "product"): gettext_lazy("Complication rate by product"),
    ("complication", "batch"): gettext_lazy("Complication rate by batch"),
    ("infection", "clinic"): gettext_lazy("Suspected-infection rate by clinic"),
    ("infection", "practitioner"): gettext_lazy("Suspected-infection rate by practitioner"),
    ("infection", "product"): gettext_lazy("Suspected-infection rate by product"),
    ("infection", "batch"): gettext_lazy("Suspected-infection rate by batch"),
}
STATUS = {  # (text, limits): the limits are filled in, so that no message holds a bare "%"
    "in control": (gettext_lazy("Within the %(limits)s limits"), "95%"),
    "alert: high": (gettext_lazy("Alert: above the %(limits)s limits"), "95%"),
    "alert: low": (gettext_lazy("Alert: below the %(limits)s limits"), "95%"),
    "alarm: high": (gettext_lazy("Alarm: above the %(limits)s limits, q-value below %(fdr)s"), "99.8%"),
    "alarm: low": (gettext_lazy("Alarm: below the %(limits)s limits, q-value below %(fdr)s"), "99.8%"),
}
STATUS_ORDER = {"alarm: high": 0, "alarm: low": 1, "alert: high": 2, "alert: low": 3, "in control": 4}


def percent(rate: float, decimals: int | None = None) -> str:
    """16.7%, 2.35%, 0.412%: three significant figures at most, or ``decimals`` places."""
    value = rate * 100
    if decimals is None:
        decimals = 0 if value >= 100 or value == 0 else min(3, max(0, 2 - math.floor(math.log10(value))))
    return f"{value:.{decimals}f}%"


def interval(lower: float, upper: float) -> str:
    """ "0.00% – 0.24%": both ends with the places that give the upper end two significant figures."""
    value = upper * 100
    places = 0 if value >= 10 or value == 0 else min(3, 1 - math.floor(math.log10(value)))
    return f"{percent(lower, places)} – {percent(upper, places)}"


def nice_step(span: float, ticks: int = 5) -> float:
    """1, 2 or 5 × 10^k, giving about ``ticks`` intervals over ``span``."""
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


@dataclass(frozen=True)
class Label:
    number: int
    x: float
    y: float  # the text's centre
    point: tuple[float, float]
    leader: tuple[float, float] | None  # where the leader line from the point ends


@dataclass(frozen=True)
class Point:
    number: int
    x: float
    y: float
    kind: str  # "alarm", "alert" or "unit"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot: tuple[int, int, int, int]  # x, y, width, height
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    target_y: float
    curves: dict[str, str]  # SVG paths of the limits: lower_95, upper_95, lower_998, upper_998
    points: list[Point]
    labels: list[Label]


@dataclass(frozen=True)
class Row:
    number: int
    unit: str
    treatments: int
    events: int
    rate: float
    rate_text: str
    interval: str
    p_value: float
    q_text: str
    q_value: float
    status: str
    status_text: str
    status_order: int
    labelled: bool


@dataclass(frozen=True)
class Funnel:
    name: str
    title: str
    unit: str  # what one unit is, in the page's language ("clinic")
    chart: Chart
    rows: list[Row]
    target_text: str
    flagged: int  # units outside the 95% limits


def load(folder: Path, name: str) -> Funnel | None:
    """The funnel ``name`` ("clinic_infection") of a report folder, or None if the report has no data file
    for it (reports built before the page drew its own plots)."""
    path = folder / f"funnel_{name}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return build(name, data)


def build(name: str, data: dict[str, Any]) -> Funnel:
    labelled = set(data["labelled"])
    chart = _chart(data)
    fdr = f"{float(data.get('fdr', 0.05)):g}"  # reports before the JSON had it used the default
    rows = [_row(unit, unit["number"] in labelled, fdr) for unit in data["units"]]
    title = str(TITLES.get((data["outcome"], data["unit_type"]), name))
    unit = str(UNIT_NAMES.get(data["unit_type"], data["unit_type"]))
    flagged = sum(row.status != "in control" for row in rows)
    return Funnel(name, title, unit, chart, rows, percent(data["target"]), flagged)


def _row(unit: dict[str, Any], labelled: bool, fdr: str) -> Row:
    status = str(unit["status"])
    return Row(
        number=int(unit["number"]),
        unit=str(unit["unit"]),
        treatments=int(unit["treatments"]),
        events=int(unit["events"]),
        rate=float(unit["rate"]),
        rate_text=percent(float(unit["rate"])),
        interval=interval(float(unit["lower"]), float(unit["upper"])),
        p_value=float(unit["p_value"]),
        q_text=probability(float(unit["q_value"])),
        q_value=float(unit["q_value"]),
        status=status,
        status_text=_status_text(status, fdr),
        status_order=STATUS_ORDER.get(status, 5),
        labelled=labelled,
    )


def _status_text(status: str, fdr: str) -> str:
    if status not in STATUS:
        return status
    text, limits = STATUS[status]
    return str(text) % {"limits": limits, "fdr": fdr}


def _chart(data: dict[str, Any]) -> Chart:
    units, grid = data["units"], data["limits"]
    x_max_data = max([u["treatments"] for u in units] + [10])
    x_step = max(1, int(nice_step(x_max_data)))  # counts: whole numbers only
    x_top = int(math.ceil(x_max_data * 1.05 / x_step) * x_step)
    first_upper = grid["upper_99.8%"][0] if grid["upper_99.8%"] else 0.0
    ceiling = min(1.0, max([u["rate"] for u in units] + [first_upper, data["target"] * 2, 0.01]) * 1.1)
    y_step = nice_step(ceiling)
    y_top = float(min(1.0, math.ceil(ceiling / y_step - 1e-9) * y_step))
    x0, y0, w, h = LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(n: float) -> float:
        return round(x0 + w * n / x_top, 1)

    def y(rate: float) -> float:
        return round(y0 + h - h * rate / y_top, 1)  # the limits above y_top are clipped in the page

    decimals = max(0, -math.floor(math.log10(y_step * 100) + 1e-9))
    y_ticks = [(y(k * y_step), percent(k * y_step, decimals)) for k in range(round(y_top / y_step) + 1)]
    x_ticks = [(x(n), str(n)) for n in range(0, x_top + 1, x_step)]
    curves = {
        key.replace("%", "").replace(".", ""): " ".join(
            f"{'M' if i == 0 else 'L'}{x(n)},{y(v)}"
            for i, (n, v) in enumerate(zip(grid["treatments"], values, strict=True))
        )
        for key, values in grid.items()
        if key != "treatments"
    }
    points = [
        Point(
            int(u["number"]),
            x(u["treatments"]),
            y(u["rate"]),
            str(u["status"]).split(":")[0].replace("in control", "unit"),
        )
        for u in units
    ]
    by_number = {p.number: p for p in points}
    chosen = [by_number[n] for n in data["labelled"] if n in by_number]
    spots = place(
        [(p.x, p.y) for p in chosen],
        [(DIGIT_WIDTH * len(str(p.number)) + 6, LABEL_HEIGHT) for p in chosen],
        (x0, y0, x0 + w, y0 + h),
        [(p.x, p.y) for p in points],
    )
    labels = [
        Label(
            p.number,
            (spot.box[0] + spot.box[2]) / 2,
            (spot.box[1] + spot.box[3]) / 2,
            (p.x, p.y),
            spot.leader_end(p.x, p.y) if spot.leader else None,
        )
        for p, spot in zip(chosen, spots, strict=True)
        if spot is not None
    ]
    # in-control points first, so that flagged ones are drawn on top
    points.sort(key=lambda p: {"unit": 0, "alert": 1, "alarm": 2}.get(p.kind, 0))
    return Chart(WIDTH, HEIGHT, (x0, y0, w, h), x_ticks, y_ticks, y(data["target"]), curves, points, labels)
