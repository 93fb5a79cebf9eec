"""The registry report counts sessions everywhere: in the rate tables, the summary and the CLI's line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mesosafe.clinic_safety.report import check_out_dir, write_report
from mesosafe.clinic_safety.tables import check_tables
from mesosafe.lib.analysis_input import AnalysisInputError

TREATMENTS = pd.DataFrame(
    [
        ("1", "2026-01-05", "Salon A", "P-1", "Vitamin C", "VC-1", "false"),
        ("2", "2026-01-06", "Salon A", "P-1", "Vitamin C", "VC-1", "false"),
        ("3", "2026-01-06", "Salon B", "P-2", "Vitamin C", "VC-2", "false"),
    ],
    columns=["treatment_id", "date", "clinic", "practitioner", "product", "batch", "multi_dose_vial"],
)
# session 1 has two suspected-infection records (an abscess, then a second nodule) and one other
COMPLICATIONS = pd.DataFrame(
    [("1", "2026-01-20", "true"), ("1", "2026-02-03", "true"), ("2", "2026-01-07", "false")],
    columns=["treatment_id", "onset_date", "suspected_infection"],
)


def test_suspected_infections_are_counted_as_sessions(tmp_path: Path) -> None:
    summary = write_report(check_tables(TREATMENTS, COMPLICATIONS), tmp_path / "report")
    assert (summary.treatments, summary.complications, summary.infections) == (3, 2, 1)
    rates = pd.read_csv(tmp_path / "report" / "rates_clinic.csv")
    infection = rates[(rates["outcome"] == "infection") & (rates["unit"] == "Salon A")].iloc[0]
    assert infection["events"] == summary.infections == 1
    html = (tmp_path / "report" / "summary.html").read_text()
    assert "Treatments with a complication: 2 (3 complication records)" in html
    assert "Treatments with a suspected infection: 1 (2 records)" in html


def test_the_report_lists_alert_cases_and_says_how_units_were_tested(tmp_path: Path) -> None:
    from mesosafe.clinic_safety.demo import OutbreakSpec, demo_tables
    from mesosafe.clinic_safety.funnel import FunnelDesign
    from mesosafe.clinic_safety.report import ReportSettings

    tables = demo_tables(outbreak=OutbreakSpec(treatments=30, infections=5, batch="LOT-5", start_day=400))
    settings = ReportSettings(funnel=FunnelDesign(test="mid-p", fdr=0.01))
    summary = write_report(tables, tmp_path / "report", settings)
    folder = tmp_path / "report"
    alerts = pd.read_csv(folder / "cusum_alerts.csv")
    cases = pd.read_csv(folder / "cusum_alert_cases.csv", dtype={"treatment_id": str})
    assert summary.alerts == len(alerts) and {"alert", "run_start", "cases", "treatment_ids"} <= set(
        alerts.columns
    )
    assert alerts["cases"].sum() == len(cases) and set(cases["alert"]) <= set(alerts["alert"])
    lot = alerts[alerts["unit"] == "phosphatidylcholine / LOT-5"].iloc[0]
    assert lot["cases"] >= 2 and "T" in lot["treatment_ids"]
    assert not {"name", "email", "phone", "patient"} & set(cases.columns)
    funnel_csv = pd.read_csv(folder / "funnel_batch_infection.csv")
    assert {"p_value", "q_value", "p_high", "p_low", "test", "dispersion"} <= set(funnel_csv.columns)
    assert set(funnel_csv["test"]) == {"mid-p"}
    html = (folder / "summary.html").read_text()
    assert "mid-p binomial tail probabilities" in html and "below 0.01" in html
    assert "Cases of the alerts" in html and lot["treatment_ids"].split("; ")[0] in html


def test_the_summary_gives_the_baseline_risk_in_percent_and_describes_its_plots(tmp_path: Path) -> None:
    """Issue 15.19/20: 1 of 3 treatments with a suspected infection is a baseline risk of 33.3%; the plots'
    alt texts and captions say what they show, not their file names."""
    write_report(check_tables(TREATMENTS, COMPLICATIONS), tmp_path / "report")
    html = (tmp_path / "report" / "summary.html").read_text()
    assert "baseline risk 33.3% of treatments" in html
    assert 'alt="Suspected-infection rate by clinic: 2 units against the pooled rate of 33.3%;' in html
    assert "<figcaption>Suspected-infection rate by clinic</figcaption>" in html
    assert "funnel plot clinic_infection" not in html and "clinic infection<" not in html
    assert (tmp_path / "report" / "funnel_clinic_infection.json").is_file()  # what the web page draws


def test_overdispersion_that_cannot_be_estimated_is_noted(tmp_path: Path) -> None:
    """No suspected infection anywhere: none can be estimated, and the summary says so for each funnel."""
    from mesosafe.clinic_safety.funnel import FunnelDesign
    from mesosafe.clinic_safety.report import ReportSettings

    no_infection = COMPLICATIONS.assign(suspected_infection="false")
    settings = ReportSettings(funnel=FunnelDesign(overdispersion="additive"))
    summary = write_report(check_tables(TREATMENTS, no_infection), tmp_path / "report", settings)
    expected = (
        "infection rate by clinic: additive overdispersion could not be estimated (no treatment had the "
        "outcome); none assumed (binomial tail probabilities)"
    )
    assert expected in summary.notes
    assert [note.split(":")[0] for note in summary.notes] == [
        "complication rate by clinic",  # 2 units: too few to estimate it from (it used to be estimated)
        "infection rate by clinic",
        "complication rate by practitioner",  # 2 units
        "infection rate by practitioner",
        "complication rate by product",  # a single unit: every session used Vitamin C
        "infection rate by product",
        "complication rate by batch",  # 2 units
        "infection rate by batch",
        "no CUSUM window was tested",  # a registry of a few days is all within the warm-up
    ]
    assert "(only 2 units: at least 10 are needed)" in summary.notes[0]
    html = (tmp_path / "report" / "summary.html").read_text()
    assert f"<li>{expected}</li>" in html
    funnel_csv = pd.read_csv(tmp_path / "report" / "funnel_clinic_infection.csv")
    assert funnel_csv["p_value"].notna().all() and set(funnel_csv["test"]) == {"exact"}


def test_an_output_directory_that_cannot_be_written_is_refused_before_the_work(tmp_path: Path) -> None:
    tables = check_tables(TREATMENTS, COMPLICATIONS)
    with pytest.raises(AnalysisInputError, match=r"output directory \(--out\) '/proc/x': cannot write"):
        check_out_dir(Path("/proc/x"))
    with pytest.raises(AnalysisInputError, match=r"--out"):
        write_report(tables, "/proc/x")
    (tmp_path / "file").write_text("")
    with pytest.raises(AnalysisInputError, match=r"--out.*exists and is not a directory"):
        write_report(tables, tmp_path / "file")
