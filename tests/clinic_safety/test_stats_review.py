"""The outside statistical review of `mesosafe registry report` (third round): F1, F2, F4, F8, F10."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mesosafe.clinic_safety import clusters, funnel, provenance, rates, report
from mesosafe.clinic_safety.cusum import CusumDesign
from mesosafe.clinic_safety.demo import demo_tables
from mesosafe.clinic_safety.tables import load_tables, outcomes, per_unit
from mesosafe.clinic_safety.units import OUTCOMES, UNIT_TYPES
from mesosafe.lib.analysis_input import AnalysisInputError
from tests.clinic_safety.test_review_fixes import _disagreements

HEADER = "treatment_id,date,clinic,practitioner,product,batch,multi_dose_vial\n"
COMPLICATIONS_HEADER = "treatment_id,onset_date,suspected_infection\n"
METHODS: tuple[funnel.Overdispersion, ...] = ("multiplicative", "additive")


def _units(events: list[int], treatments: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame({"unit": [f"u{i}" for i in range(len(events))], "treatments": treatments})
    frame = frame.assign(events=events, unit_type="batch", outcome="infection")
    lower, upper = rates.clopper_pearson(frame["events"], frame["treatments"])
    return frame.assign(rate=frame["events"] / frame["treatments"], lower=lower, upper=upper)


def _classify(
    units: pd.DataFrame, method: funnel.Overdispersion = "none", test: funnel.Test = "exact"
) -> pd.DataFrame:
    return funnel.classify(units, funnel.FunnelDesign(test=test, overdispersion=method))


COMPARED = ["p_high", "p_low", "p_value", "q_value", "status", "number", "test",
            "lower_95%", "upper_95%", "lower_99.8%", "upper_99.8%"]  # fmt: skip


# --- F1: overdispersion never makes a unit more significant than the binomial test ----------------------


@pytest.mark.parametrize("method", METHODS)
def test_one_infection_in_11_sessions_is_not_an_alarm_when_no_overdispersion_is_found(
    method: funnel.Overdispersion,
) -> None:
    """The review's case: p0 ≈ 0.27%, φ̂ < 1 (so φ = 1, τ² = 0): the result is the exact run's."""
    units = _units([1, *[0] * 40, *[1] * 12], [11, *[100] * 52])
    plain, wider = _classify(units), _classify(units, method)
    dispersion = wider.attrs["dispersion"]
    assert (dispersion.phi, dispersion.tau2) == (1.0, 0.0) and dispersion.phi_hat < 1
    assert wider.loc[0, "status"] == plain.loc[0, "status"] == "in control"
    pd.testing.assert_frame_equal(wider[COMPARED], plain[COMPARED])
    assert "none found" in wider["dispersion"].iloc[0]


@pytest.mark.parametrize("method", METHODS)
def test_the_demo_data_with_overdispersion_has_the_exact_runs_alarms(method: funnel.Overdispersion) -> None:
    """The review: 1 alarm in the batch-infection funnel without the option, 54 with it (67 in all)."""
    frame = outcomes(demo_tables(2007))
    alarms = {"none": 0, method: 0}
    for unit_type in UNIT_TYPES:
        units = per_unit(frame, unit_type)
        for outcome in OUTCOMES:
            table = rates.rate_table(units, unit_type, outcome)
            plain, wider = _classify(table), _classify(table, method)
            assert _disagreements(wider) == 0, (unit_type, outcome)
            assert (wider["p_value"] >= plain["p_value"]).all(), (unit_type, outcome)
            alarms["none"] += int(plain["status"].str.startswith("alarm").sum())
            alarms[method] += int(wider["status"].str.startswith("alarm").sum())
    assert alarms[method] <= alarms["none"] == 6


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("test", ["exact", "mid-p"])
def test_overdispersed_p_values_are_at_least_the_binomial_ones_and_agree_with_the_limits(
    seed: int, method: funnel.Overdispersion, test: funnel.Test
) -> None:
    """Units that really differ (φ > 1, τ² > 0), rare outcomes in small units among large ones."""
    rng = np.random.default_rng(seed)
    volume = np.r_[rng.integers(1, 30, 40), rng.integers(200, 3000, 40)]
    risk = np.clip(rng.normal(0.01, 0.006, len(volume)), 0.0005, None)
    units = _units(list(rng.binomial(volume, risk)), list(volume))
    plain, wider = _classify(units, test=test), _classify(units, method, test)
    dispersion = wider.attrs["dispersion"]
    assert dispersion.phi > 1 or dispersion.tau2 > 0
    assert (wider["p_value"] >= plain["p_value"]).all()
    assert (wider["p_high"] >= plain["p_high"]).all() and (wider["p_low"] >= plain["p_low"]).all()
    assert _disagreements(wider) == 0
    assert (wider["upper_99.8%"] >= plain["upper_99.8%"]).all()
    assert (wider["lower_99.8%"] <= plain["lower_99.8%"]).all()
    assert set(wider["test"]) == {f"max({test}, normal)"}
    grid = funnel.plot_grid(wider)  # the curves drawn are the limits written
    drawn = funnel.curve(wider, grid, 0.999)
    at_units = drawn[np.searchsorted(grid, wider["treatments"].to_numpy())]
    np.testing.assert_array_equal(at_units, wider["upper_99.8%"].to_numpy())


# --- F8: probabilities stay within [0, 1] -----------------------------------------------------------------


@pytest.mark.parametrize("test", ["exact", "mid-p"])
def test_tail_probabilities_are_never_above_one(test: funnel.Test) -> None:
    """sf(y) + pmf(y) is 1.0000000000000002 for 0 of 1 at p0 = 1% (the review's SOLO0: 1.0000000000000007)."""
    high, low = funnel.binomial_tails([0, 0, 1, 2], [1, 2, 1, 2], 0.01, test)
    assert (high <= 1).all() and (low <= 1).all() and (high >= 0).all() and (low >= 0).all()
    classified = _classify(_units([0, 1, 3, 0], [1, 1, 300, 2]), test=test)
    for column in ("p_high", "p_low", "p_value", "q_value"):
        assert classified[column].between(0, 1).all(), column


# --- F2: a CUSUM that tested nothing says so ----------------------------------------------------------------


def _short_registry(folder: Path, days: int = 150) -> tuple[Path, Path]:
    """Two clinics for ``days`` days, 5 infections in 10 days at clinic A: all within the 180-day warm-up."""
    start = pd.Timestamp("2024-01-01")
    treatments, complications = [HEADER], [COMPLICATIONS_HEADER]
    for day in range(days):
        date = start + pd.Timedelta(days=day)
        for clinic in ("A", "B"):
            tid = f"{clinic}{day}"
            treatments.append(f"{tid},{date:%Y-%m-%d},{clinic},{clinic}-P1,hyal,L{day // 30},false\n")
            if clinic == "A" and 100 <= day < 110 and day % 2 == 0:
                onset = date + pd.Timedelta(days=5)
                complications.append(f"{tid},{onset:%Y-%m-%d},true\n")
    (folder / "t.csv").write_text("".join(treatments), encoding="utf-8")
    (folder / "c.csv").write_text("".join(complications), encoding="utf-8")
    return folder / "t.csv", folder / "c.csv"


def test_a_cusum_that_tested_no_window_says_so(tmp_path: Path) -> None:
    tables = load_tables(*_short_registry(tmp_path))
    design = CusumDesign()
    series = clusters.scan(tables.treatments, tables.complications, design)
    assert not series["tested"].any()
    note = clusters.untested_note(series, design)
    assert "no CUSUM window was tested" in note and "warm-up of 180 days" in note
    assert "no information" in note
    summary = report.write_report(tables, tmp_path / "out")
    assert summary.alerts == 0 and summary.tested_windows == 0
    assert note in summary.notes
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "No CUSUM window was tested" in html and "warm-up of 180 days" in html


def test_a_cusum_with_tested_windows_has_no_such_note(tmp_path: Path) -> None:
    tables = load_tables(*_short_registry(tmp_path))
    design = CusumDesign(warm_up_days=0)
    series = clusters.scan(tables.treatments, tables.complications, design)
    assert series["tested"].any() and clusters.untested_note(series, design) == ""


def test_a_cusum_with_no_baseline_anywhere_says_why(tmp_path: Path) -> None:
    """One window, nothing followed before it: no warm-up to blame, but no baseline either."""
    tables = load_tables(*_short_registry(tmp_path, days=20))
    design = CusumDesign(warm_up_days=0)
    series = clusters.scan(tables.treatments, tables.complications, design)
    note = clusters.untested_note(series, design)
    assert "no CUSUM window was tested" in note and "without a baseline" in note and "warm-up" not in note


# --- F4: provenance ----------------------------------------------------------------------------------------


def test_the_report_records_its_inputs_options_and_version(tmp_path: Path) -> None:
    treatments, complications = _short_registry(tmp_path)
    tables = load_tables(treatments, complications)
    settings = report.ReportSettings(
        CusumDesign(window_days=14, rate_ratio=3.0, warm_up_days=30, as_of="2024-06-01"),
        funnel.FunnelDesign(test="mid-p", fdr=0.1, overdispersion="additive"),
    )
    source = provenance.file_source(treatments, complications)
    summary = report.write_report(tables, tmp_path / "out", settings, source=source)
    assert "run.json" in summary.files
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert record["tool"] == "mesosafe registry report" and record["version"]
    files = record["input"]["files"]
    assert [f["role"] for f in files] == ["treatments", "complications"]
    assert files[0]["sha256"] == hashlib.sha256(treatments.read_bytes()).hexdigest()
    assert files[1]["sha256"] == hashlib.sha256(complications.read_bytes()).hexdigest()
    cusum, test = record["options"]["cusum"], record["options"]["funnel"]
    assert (cusum["window_days"], cusum["rate_ratio"], cusum["warm_up_days"]) == (14, 3.0, 30)
    assert cusum["threshold"] is None and cusum["window_offset_days"] == 0
    assert test == {"test": "mid-p", "fdr": 0.1, "overdispersion": "additive"}
    assert record["as_of"] == "2024-06-01" and record["finished_at"].endswith("+00:00")
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "run.json" in html and files[0]["sha256"] in html


def test_the_demo_reports_record_names_its_seed(tmp_path: Path) -> None:
    tables = load_tables(*_short_registry(tmp_path))
    report.write_report(tables, tmp_path / "out", source=provenance.demo_source(11))
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert record["input"] == {"source": "demo data", "seed": 11}


# --- F10: input files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["treatments", "complications"])
def test_a_column_named_twice_is_refused(tmp_path: Path, which: str) -> None:
    treatments, complications = _short_registry(tmp_path, days=2)
    bad = treatments if which == "treatments" else complications
    lines = bad.read_text(encoding="utf-8").splitlines(keepends=True)
    name = "clinic" if which == "treatments" else "onset_date"
    lines = [lines[0].rstrip("\n") + f",{name}\n"] + [line.rstrip("\n") + ",x\n" for line in lines[1:]]
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(AnalysisInputError, match=rf"{which} file .*names column '{name}' twice"):
        load_tables(treatments, complications)


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    treatments, complications = _short_registry(tmp_path, days=3)
    lines = treatments.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"A-P1", b"Cl\xe9-P1")
    treatments.write_bytes(b"".join(lines))
    with pytest.raises(AnalysisInputError, match=r"treatments file .*not UTF-8 text \(line 4, byte \d+"):
        load_tables(treatments, complications)
