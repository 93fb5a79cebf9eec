"""The registry page's funnel plots (issue 15.18–20): drawn from the report's JSON, whole-number counts
across, percentages up with the pooled rate on the same scale, every unit in the table, labels apart."""

from __future__ import annotations

import itertools
import re

import pandas as pd
from django.utils import translation

from mesosafe.clinic_safety import funnel, rates
from mesosafe.registry import funnels


def _data(events: list[int], treatments: list[int]) -> dict[str, object]:
    rows = [
        {"clinic": f"C{i:02d}", "infection": k < e}
        for i, (e, n) in enumerate(zip(events, treatments, strict=True))
        for k in range(n)
    ]
    classified = funnel.classify(rates.rate_table(pd.DataFrame(rows), "clinic", "infection"))
    top = max(treatments)
    grid = funnel.np.unique(funnel.np.geomspace(1, top * 1.1, 300).astype(funnel.np.int64))
    return funnel.page_data(classified, grid)


def test_two_of_twelve_counts_whole_treatments_and_draws_the_pooled_rate_on_the_percent_axis() -> None:
    chart_data = _data([2, 0, 0], [4, 4, 4])
    built = funnels.build("clinic_infection", chart_data)
    assert built.target_text == "16.7%"  # 2 of 12, not 16.667% nor 0.1667
    labels = [label for _, label in built.chart.x_ticks]
    assert all(re.fullmatch(r"\d+", label) for label in labels), labels  # never "9.5"
    assert all(label.endswith("%") for _, label in built.chart.y_ticks)
    # the pooled rate lies on the y-axis's own scale: between the ticks that bracket 16.7%
    ticks = [(float(label.rstrip("%")) / 100, y) for y, label in built.chart.y_ticks]
    below = max((t for t in ticks if t[0] <= 1 / 6), key=lambda t: t[0])
    above = min((t for t in ticks if t[0] >= 1 / 6), key=lambda t: t[0])
    assert above[1] <= built.chart.target_y <= below[1]
    assert [r.unit for r in built.rows] == ["C00", "C01", "C02"] and built.rows[0].rate_text == "50.0%"


def test_every_unit_is_listed_and_labels_do_not_overlap() -> None:
    events = [30, 25, 22, 20, 18, 2, 1, 0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] + [5] * 30
    treatments = [120, 110, 100, 100, 95, 400, 390, 380, 200, 210, 220, 230, 240, 250, 260, 270, 280, 290] + [
        150
    ] * 30
    built = funnels.build("clinic_infection", _data(events, treatments))
    assert len(built.rows) == len(events) and sorted(r.number for r in built.rows) == list(range(1, 49))
    assert 0 < len(built.chart.labels) <= funnel.MAX_LABELS
    half = {lb.number: (funnels.DIGIT_WIDTH * len(str(lb.number)) + 6) / 2 for lb in built.chart.labels}
    boxes = [
        (lb.x - half[lb.number], lb.y - 8, lb.x + half[lb.number], lb.y + 8) for lb in built.chart.labels
    ]
    for a, b in itertools.combinations(boxes, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    flagged = {r.number for r in built.rows if r.status != "in control"}
    assert {lb.number for lb in built.chart.labels} <= flagged


def test_the_text_follows_the_page_language() -> None:
    data = _data([8, 1, 1, 1], [20, 40, 40, 40])
    with translation.override("ar"):
        built = funnels.build("clinic_infection", data)
    assert built.title == "معدل اشتباه العدوى حسب العيادة" and built.unit == "عيادة"
    assert built.rows[0].status_text.startswith(("إنذار", "تنبيه"))
    assert funnels.percent(2 / 12) == "16.7%" and funnels.interval(0.0, 0.0024) == "0.00% – 0.24%"
