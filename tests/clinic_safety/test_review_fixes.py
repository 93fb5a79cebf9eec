"""The outside statistical review of `mesosafe registry report` (second round): each defect's case."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mesosafe.clinic_safety import baseline, clusters, funnel, rates, report
from mesosafe.clinic_safety.cusum import CusumDesign
from mesosafe.clinic_safety.demo import demo_tables
from mesosafe.clinic_safety.tables import check_tables, load_tables, outcomes, per_unit
from mesosafe.lib.analysis_input import AnalysisInputError

DATA = Path(__file__).parent / "data"
HEADER = "treatment_id,date,clinic,practitioner,product,batch,multi_dose_vial\n"


def _funnel(events: list[int], treatments: list[int], test: funnel.Test = "exact") -> pd.DataFrame:
    frame = pd.DataFrame({"unit": [f"u{i}" for i in range(len(events))], "treatments": treatments})
    frame = frame.assign(events=events, unit_type="batch", outcome="infection")
    lower, upper = rates.clopper_pearson(frame["events"], frame["treatments"])
    frame = frame.assign(rate=frame["events"] / frame["treatments"], lower=lower, upper=upper)
    return funnel.classify(frame, funnel.FunnelDesign(test=test))


def _disagreements(classified: pd.DataFrame) -> int:
    """Units whose status contradicts the limits written beside it."""
    rate = classified["rate"]
    outside_95 = (rate > classified["upper_95%"]) | (rate < classified["lower_95%"])
    outside_998 = (rate > classified["upper_99.8%"]) | (rate < classified["lower_99.8%"])
    flagged = classified["status"] != "in control"
    alarm = classified["status"].str.startswith("alarm")
    beyond_998 = classified["p_value"] < funnel.ALARM_P
    return int(
        (outside_95 != flagged).sum() + (outside_998 != beyond_998).sum() + (alarm & ~outside_998).sum()
    )


@pytest.mark.parametrize("test", ["exact", "mid-p"])
def test_a_unit_above_the_limits_is_never_in_control_tiny(test: funnel.Test) -> None:
    # 1 case in 11 at a pooled rate of 0.24%: the review's VITA-345 (above both plotted limits, "in control")
    classified = _funnel([1, 0, 0], [11, 200, 200], test)
    assert _disagreements(classified) == 0


def test_limits_and_status_agree_on_the_demo_data() -> None:
    frame = outcomes(demo_tables(2007))
    for unit_type in ("clinic", "practitioner", "product", "batch"):
        units = per_unit(frame, unit_type)
        for outcome in ("complication", "infection"):
            classified = funnel.classify(rates.rate_table(units, unit_type, outcome))
            assert _disagreements(classified) == 0, (unit_type, outcome)


def test_limits_contain_a_target_of_one_or_zero() -> None:
    for events, volume in (([1], [1]), ([0, 0], [3, 50])):
        classified = _funnel(events, volume)
        target = classified["target"].iloc[0]
        for column in ("lower_95%", "upper_95%", "lower_99.8%", "upper_99.8%"):
            assert (classified[column] == target).all(), column
        grid = funnel.plot_grid(classified)
        assert np.all(funnel.curve(classified, grid, 0.999) == target)


def _warm_up_tables() -> pd.DataFrame:
    rows = [f"T{i},2025-01-{1 + i % 28:02d},A,P,prod,L,false\n" for i in range(200)]
    rows += ["X1,2025-01-01,B,Q,prod,M,false\n", "X2,2025-01-02,B,Q,prod,M,false\n"]
    return pd.DataFrame([r.strip().split(",") for r in rows], columns=HEADER.strip().split(","))


def test_no_cusum_alert_against_a_baseline_that_was_never_estimated() -> None:
    complications = pd.DataFrame(
        {
            "treatment_id": ["X1", "X2"],
            "onset_date": ["2025-01-05", "2025-01-06"],
            "suspected_infection": "true",
        }
    )
    tables = check_tables(_warm_up_tables(), complications)
    design = CusumDesign(warm_up_days=0)
    series = clusters.scan(tables.treatments, tables.complications, design)
    assert clusters.alerts(series).empty
    first = series["window"] == 0  # nothing before the first window: no baseline, not tested
    assert (series.loc[first, "baseline"] == clusters.NO_BASELINE).all() and not series.loc[
        first, "tested"
    ].any()
    assert (series.loc[~first, "baseline"] == "estimated").all()  # the two infections are known by then
    assert "not tested" in clusters.baseline_note(series, design)


def test_a_registrys_first_outbreak_is_tested_against_half_an_infection() -> None:
    """A year of sessions with no infection, then a cluster in one batch: the risk is low, not nil and not a
    made-up floor; the first outbreak of a registry must still alarm, and the outputs say how."""
    rows = [f"Q{i},2024-{1 + i // 28:02d}-{1 + i % 28:02d},A,P,prod,L,false" for i in range(300)]
    rows += [f"C{i},2025-03-{1 + i:02d},A,P,prod,OUTBREAK,false" for i in range(6)]
    treatments = pd.DataFrame([r.split(",") for r in rows], columns=HEADER.strip().split(","))
    complications = pd.DataFrame(
        {
            "treatment_id": [f"C{i}" for i in range(6)],
            "onset_date": [f"2025-03-{10 + i:02d}" for i in range(6)],
            "suspected_infection": "true",
        }
    )
    tables = check_tables(treatments, complications)
    design = CusumDesign()
    series = clusters.scan(tables.treatments, tables.complications, design)
    found = clusters.alerts(series)
    assert "prod / OUTBREAK" in set(found.loc[found["unit_type"] == "batch", "unit"])
    assert (found["baseline"] == baseline.NONE_SEEN_YET).all()
    assert "half of one assumed" in clusters.baseline_note(series, design)


def test_an_underflowing_p_value_is_floored_and_noted(tmp_path: Path) -> None:
    tables = load_tables(DATA / "tz.csv", DATA / "cz.csv")
    summary = report.write_report(tables, tmp_path / "out")
    written = pd.read_csv(tmp_path / "out" / "funnel_clinic_complication.csv")
    assert (written["p_value"] > 0).all() and (written["q_value"] > 0).all()
    assert any("2.2e-308" in note for note in summary.notes)
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "&lt; 0.001" in html and "<td>0</td>" not in html


@pytest.mark.parametrize("which", ["treatments", "complications"])
def test_a_row_with_an_extra_field_is_named_by_its_line(tmp_path: Path, which: str) -> None:
    treatments, complications = tmp_path / "t.csv", tmp_path / "c.csv"
    treatments.write_text(HEADER + "T1,2025-01-01,A,P1,prod,L1,false\n", encoding="utf-8")
    complications.write_text(
        "treatment_id,onset_date,suspected_infection\nT1,2025-01-02,true\n", encoding="utf-8"
    )
    bad = treatments if which == "treatments" else complications
    bad.write_text(bad.read_text(encoding="utf-8").rstrip("\n") + ",9\n", encoding="utf-8")
    with pytest.raises(AnalysisInputError, match=rf"{which} file .*line 2 has \d fields, expected \d"):
        load_tables(treatments, complications)
