"""Degenerate and edge inputs where the output used to look confident but was not."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mesosafe.clinic_safety import clusters, funnel
from mesosafe.clinic_safety.cusum import CusumDesign
from mesosafe.clinic_safety.report import write_report
from mesosafe.clinic_safety.tables import check_tables

COLUMNS = ["treatment_id", "date", "clinic", "practitioner", "product", "batch", "multi_dose_vial"]
START = pd.Timestamp("2025-01-01")


def _day(offset: int) -> str:
    return (START + pd.Timedelta(days=offset)).date().isoformat()


def _late_onsets_of_a_finished_batch() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three clinics, a session a day each for 330 days, no infection until two sessions of batch B (used
    on days 200–215 at clinic C0) have onsets on days 253 and 256, in a window where B had no session."""
    rows = []
    for day in range(330):
        for clinic in range(3):
            batch = "B" if 200 <= day <= 215 and clinic == 0 else f"L{clinic}-{day // 30}"
            rows.append((f"T{day}-{clinic}", _day(day), f"C{clinic}", f"P{clinic}", "X", batch, "false"))
    treatments = pd.DataFrame(rows, columns=COLUMNS)
    first_of_b = treatments.loc[treatments["batch"] == "B", "treatment_id"].tolist()
    complications = pd.DataFrame(
        [(first_of_b[0], _day(253), "true"), (first_of_b[3], _day(256), "true")],
        columns=["treatment_id", "onset_date", "suspected_infection"],
    )
    return treatments, complications


def test_infections_in_a_window_where_nothing_was_expected_raise_no_alarm_and_are_named() -> None:
    """Before, batch B alarmed with expected 0.000000, k = 0 and S = 2 > h = 1: the baseline assumed onset on
    day 0 (no infection seen yet), so the late onsets of a finished batch were 'impossible', and a count
    against an expectation of exactly 0 is no test. The clinic and practitioner, whose sessions did expect
    onsets there, still alarm."""
    tables = check_tables(*_late_onsets_of_a_finished_batch())
    series = clusters.scan(tables.treatments, tables.complications, CusumDesign())
    found = clusters.alerts(series)
    assert (found["expected"] > 0).all()
    assert set(found["unit_type"]) == {"clinic", "practitioner"}
    batch = series[(series["unit"] == "X / B") & (series["infections"] > 0)]
    assert batch[["infections", "expected", "not_counted", "cusum"]].values.tolist() == [[2, 0.0, 2, 0.0]]
    note = clusters.not_counted_note(series)
    assert "batch X / B (2025-09-10)" in note and "expected 0" in note


def test_a_funnel_of_a_single_unit_says_its_status_means_nothing(tmp_path: Path) -> None:
    """A clinic's own database (--from-db) has one clinic: its funnel's pooled rate is the clinic's own
    rate, so the clinic was 'in control' (p = 1) with 2 infections in 3 sessions, and nothing said that it
    had been compared with itself."""
    treatments = pd.DataFrame(
        [(f"T{i}", _day(i), "Only clinic", f"P{i % 2}", "X", f"L{i}", "false") for i in range(3)],
        columns=COLUMNS,
    )
    complications = pd.DataFrame(
        [("T0", _day(3), "true"), ("T1", _day(4), "true")],
        columns=["treatment_id", "onset_date", "suspected_infection"],
    )
    summary = write_report(check_tables(treatments, complications), tmp_path / "r")
    written = pd.read_csv(tmp_path / "r" / "funnel_clinic_infection.csv")
    assert written[["events", "treatments", "status"]].values.tolist() == [[2, 3, "in control"]]
    assert written["dispersion"].tolist() == [f"binomial (no overdispersion): {funnel.SINGLE_UNIT}"]
    assert f"infection rate by clinic: {funnel.SINGLE_UNIT} (binomial tail probabilities)" in summary.notes
    assert not any(note.startswith("infection rate by practitioner") for note in summary.notes)  # two
