"""`mesosafe registry report`: the clinic-safety report from the command line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.test_signals import mesosafe, run


def test_registry_report_demo(tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, stdout, stderr = run("registry", "report", "--demo-data", "--out", str(out))
    assert code == 0, stderr
    names = {p.name for p in out.iterdir()}
    assert {
        "summary.html",
        "cusum_alerts.csv",
        "rates_clinic.csv",
        "funnel_clinic_infection.png",
        "funnel_clinic_infection.svg",
    } <= names
    alerts = pd.read_csv(out / "cusum_alerts.csv")
    assert "C07" in set(alerts.loc[alerts["unit_type"] == "clinic", "unit"])
    assert "cluster alerts" in stdout
    salon = alerts[alerts["unit"] == "C07"].iloc[0]
    cases = pd.read_csv(out / "cusum_alert_cases.csv")
    assert salon["cases"] == (cases["alert"] == salon["alert"]).sum() >= 3
    # 28 units were outside the 99.8% limits with the interpolated limits; with exact tails and FDR control
    # only those that stay unlikely after testing every unit are
    funnels = pd.concat(pd.read_csv(path) for path in out.glob("funnel_*.csv"))
    assert (
        funnels["status"].str.startswith("alarm")
        == (funnels["p_value"] < 0.002) & (funnels["q_value"] < 0.05)
    ).all()
    assert funnels["status"].str.startswith("alarm").sum() < 28


def test_registry_report_bad_input_writes_nothing(tmp_path: Path) -> None:
    treatments = tmp_path / "t.csv"
    treatments.write_text(
        "treatment_id,date,clinic,practitioner,product,batch,multi_dose_vial\n1,2024-01-01,C1,P1,x,B1,maybe\n"
    )
    complications = tmp_path / "c.csv"
    complications.write_text("treatment_id,onset_date,suspected_infection\n")
    out = tmp_path / "report"
    code, _, stderr = run(
        "registry",
        "report",
        "--treatments",
        str(treatments),
        "--complications",
        str(complications),
        "--out",
        str(out),
    )
    assert code == 2 and "multi_dose_vial" in stderr and "Traceback" not in stderr
    assert not out.exists()
    code, _, stderr = run("registry", "report", "--out", str(out))
    assert code == 2 and "--treatments" in stderr


def test_from_db_on_a_database_that_was_never_migrated(tmp_path: Path) -> None:
    done = mesosafe("registry", "report", "--from-db", "--out", "r", data_dir=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "mesosafe manage migrate" in done.stderr and "Traceback" not in done.stderr


# --- registry report: dates and options ------------------------------------------------------------------

HEADER = "treatment_id,date,clinic,practitioner,product,batch,multi_dose_vial\n"


def _registry_files(tmp_path: Path, treatments: str, complications: str) -> list[str]:
    (tmp_path / "t.csv").write_text(HEADER + treatments)
    (tmp_path / "c.csv").write_text("treatment_id,onset_date,suspected_infection\n" + complications)
    return ["--treatments", str(tmp_path / "t.csv"), "--complications", str(tmp_path / "c.csv")]


def test_a_date_with_an_offset_is_the_date_written(tmp_path: Path) -> None:
    files = _registry_files(
        tmp_path,
        "1,2025-01-05T10:00:00+04:00,C1,P1,x,B1,no\n2,2025-01-06,C1,P1,x,B1,no\n",
        "1,2025-01-20T01:00:00-05:00,true\n",
    )
    code, stdout, stderr = run("registry", "report", *files, "--out", str(tmp_path / "r"))
    assert code == 0, stderr
    assert "2 treatments, 1 with a suspected infection" in stdout
    series = pd.read_csv(tmp_path / "r" / "cusum_series.csv")
    assert series["window_start"].min() == "2025-01-05"


@pytest.mark.parametrize(
    ("treatments", "complications", "message"),
    [
        (
            "1,2025-01-05,C1,P1,x,B1,no\n2,3025-01-05,C1,P1,x,B1,no\n",
            "",
            "treatments column 'date' row 2 has '3025-01-05', outside the supported years 1678–2261",
        ),
        (
            "1,2025-01-05,C1,P1,x,B1,no\n",
            "1,1600-01-01,false\n",
            "complications column 'onset_date' row 1 has '1600-01-01', outside the supported years",
        ),
        (
            "1,2025-01-05,C1,P1,x,B1,no\n2,2025-01-09,C1,P1,x,B1,no\n",
            "1,2025-01-06,false\n2,2025-01-08,true\n",
            "complications column 'onset_date' row 2 (treatment '2'): onset 2025-01-08 is before the "
            "session's date 2025-01-09",
        ),
    ],
)
def test_bad_dates_name_the_column_and_row(
    tmp_path: Path, treatments: str, complications: str, message: str
) -> None:
    files = _registry_files(tmp_path, treatments, complications)
    code, _, stderr = run("registry", "report", *files, "--out", str(tmp_path / "r"))
    assert code == 2 and message in stderr and "Traceback" not in stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--rate-ratio", "inf"], "--rate-ratio"),
        (["--rate-ratio", "nan"], "--rate-ratio"),
        (["--rate-ratio", "1"], "--rate-ratio"),
        (["--window-days", "100000"], "--window-days"),
        (["--threshold", "nan"], "--threshold"),
        (["--threshold", "inf"], "--threshold"),
        (["--seed", "-1"], "--seed"),
        (["--as-of", "soon"], "--as-of"),
        (["--warm-up-days", "-1"], "--warm-up-days"),
        (["--window-offset", "28"], "--window-offset"),
        (["--fdr", "0"], "--fdr"),
        (["--funnel-test", "z"], "--funnel-test"),
        (["--overdispersion", "lots"], "--overdispersion"),
    ],
)
def test_bad_report_options_are_option_errors(tmp_path: Path, args: list[str], option: str) -> None:
    code, _, stderr = run("registry", "report", "--demo-data", *args, "--out", str(tmp_path / "r"))
    assert code == 2 and option in stderr and "Traceback" not in stderr
    assert not (tmp_path / "r").exists()


def test_report_options_reach_the_analysis(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, _, stderr = run(
        "registry", "report", "--demo-data", "--out", str(out), "--overdispersion", "additive",
        "--window-offset", "7", "--warm-up-days", "90",
    )  # fmt: skip
    assert code == 0, stderr
    funnel = pd.read_csv(out / "funnel_clinic_infection.csv")
    assert funnel["dispersion"].iloc[0].startswith("additive overdispersion: τ² = ")
    series = pd.read_csv(out / "cusum_series.csv", parse_dates=["window_start"])
    assert series["window_start"].min() == pd.Timestamp("2023-01-01") - pd.Timedelta(days=7)
    assert "additive overdispersion" in (out / "summary.html").read_text()


# --- overdispersion that cannot be estimated, and the output directory -----------------------------------


@pytest.mark.parametrize("method", ["multiplicative", "additive"])
def test_overdispersion_with_no_infection_or_one_clinic_is_noted_not_a_crash(
    tmp_path: Path, method: str
) -> None:
    """One clinic, and no suspected infection: neither funnel can show overdispersion."""
    files = _registry_files(
        tmp_path, "1,2025-01-05,C1,P1,x,B1,no\n2,2025-01-06,C1,P2,x,B2,no\n", "1,2025-01-08,false\n"
    )
    out = tmp_path / "r"
    code, stdout, stderr = run("registry", "report", *files, "--out", str(out), "--overdispersion", method)
    assert code == 0, stderr
    assert (
        f"Note: complication rate by clinic: {method} overdispersion could not be estimated (a single unit)"
        in stderr
    )
    assert f"infection rate by batch: {method} overdispersion could not be estimated (no treatment" in stderr
    funnels = pd.concat(pd.read_csv(path) for path in out.glob("funnel_*.csv"))
    assert funnels["p_value"].between(0, 1).all() and "2 treatments" in stdout


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("", "Invalid value for '--out': must name a directory, not be empty"),
        (" ", "Invalid value for '--out': must name a directory, not be empty"),
        ("/proc/x", "output directory (--out) '/proc/x': cannot write in '/proc'"),
    ],
)
def test_an_empty_or_unwritable_out_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run("registry", "report", "--demo-data", "--out", out)
    assert code == 2 and message in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []  # nothing strewn in the current directory


# --- the third statistical review: a CUSUM that tested nothing, provenance, input files --------------------


def _short_files(tmp_path: Path) -> list[str]:
    """150 days of two clinics, five infections at one: every CUSUM window is within the warm-up."""
    start = pd.Timestamp("2024-01-01")
    treatments, complications = [], []
    for day in range(150):
        date = f"{start + pd.Timedelta(days=day):%Y-%m-%d}"
        for clinic in ("A", "B"):
            treatments.append(f"{clinic}{day},{date},{clinic},{clinic}-P1,hyal,L{day // 30},false\n")
        if 100 <= day < 110 and day % 2 == 0:
            complications.append(f"A{day},{start + pd.Timedelta(days=day + 5):%Y-%m-%d},true\n")
    return _registry_files(tmp_path, "".join(treatments), "".join(complications))


def test_a_cusum_that_tested_nothing_says_so_last(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, stdout, stderr = run("registry", "report", *_short_files(tmp_path), "--out", str(out))
    assert code == 0, stderr
    last = stdout.strip().splitlines()[-1]
    assert "0 cluster alerts" not in last
    assert "no CUSUM window was tested" in last and "warm-up of 180 days" in last
    assert "Note: no CUSUM window was tested" in stderr
    assert "No CUSUM window was tested" in (out / "summary.html").read_text(encoding="utf-8")


def test_the_report_writes_its_provenance(tmp_path: Path) -> None:
    out = tmp_path / "r"
    files = _short_files(tmp_path)
    code, _, stderr = run(
        "registry", "report", *files, "--out", str(out), "--window-days", "14", "--rate-ratio", "2.5",
        "--threshold", "3", "--warm-up-days", "20", "--window-offset", "3", "--funnel-test", "mid-p",
        "--fdr", "0.1", "--overdispersion", "multiplicative", "--as-of", "2024-05-20",
    )  # fmt: skip
    assert code == 0, stderr
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [f["path"] for f in record["input"]["files"]] == [str(Path(files[1]).resolve()),
                                                             str(Path(files[3]).resolve())]  # fmt: skip
    assert record["input"]["files"][0]["sha256"] == hashlib.sha256(Path(files[1]).read_bytes()).hexdigest()
    assert record["options"]["cusum"] == {
        "window_days": 14, "rate_ratio": 2.5, "threshold": 3.0, "warm_up_days": 20,
        "window_offset_days": 3, "as_of": "2024-05-20", "target_arl_years": 10.0, "min_threshold": 1.0,
        "baseline_rate": None, "onset_delays": None, "seed": 1985,
    }  # fmt: skip
    assert record["options"]["funnel"] == {"test": "mid-p", "fdr": 0.1, "overdispersion": "multiplicative"}
    assert "run.json" in (out / "summary.html").read_text(encoding="utf-8")


def test_the_demo_reports_provenance_names_the_seed(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, _, stderr = run("registry", "report", "--demo-data", "--seed", "5", "--out", str(out))
    assert code == 0, stderr
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["input"] == {"source": "demo data", "seed": 5}


def test_a_header_naming_a_column_twice_is_an_error(tmp_path: Path) -> None:
    files = _registry_files(tmp_path, "1,2024-01-01,A,P,x,L,false\n", "")
    treatments = Path(files[1])
    treatments.write_text(
        "treatment_id,date,clinic,clinic,practitioner,product,batch,multi_dose_vial\n"
        "1,2024-01-01,A,B,P,x,L,false\n"
    )
    code, _, stderr = run("registry", "report", *files, "--out", str(tmp_path / "r"))
    assert code == 2 and "names column 'clinic' twice" in stderr and "Traceback" not in stderr


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    files = _registry_files(tmp_path, "1,2024-01-01,A,P,x,L,false\n", "")
    Path(files[1]).write_bytes(HEADER.encode() + b"1,2024-01-01,Cl\xe9,P,x,L,false\n")
    code, _, stderr = run("registry", "report", *files, "--out", str(tmp_path / "r"))
    assert code == 2 and "not UTF-8 text (line 2, byte 16 of the line)" in stderr
