from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mesosafe.cli import cli

COLUMNS = [
    "product",
    "event",
    "n",
    "e",
    "rr",
    "prr",
    "prr_lower",
    "prr_upper",
    "chi2_yates",
    "ror",
    "ror_lower",
    "ror_upper",
    "ic",
    "ic025",
    "ebgm",
    "eb05",
    "eb95",
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_caers_end_to_end(caers_path: Path, tmp_path: Path) -> None:
    out, hyper = tmp_path / "signals.csv", tmp_path / "hyper.json"
    code, stdout, stderr = run(
        "signals",
        str(caers_path),
        "--id",
        "id",
        "--product",
        "var1",
        "--event",
        "var2",
        "--out",
        str(out),
        "--hyper-out",
        str(hyper),
        "--top",
        "3",
        "--quiet",
    )
    assert code == 0, stderr
    table = pd.read_csv(out)
    assert list(table.columns) == COLUMNS and len(table) == 17189
    row = table[(table["product"] == "REUMOFAN PLUS") & (table["event"] == "WEIGHT INCREASED")].iloc[0]
    assert (row["n"], round(row["e"], 4), round(row["ebgm"], 2), round(row["eb95"], 2)) == (
        16,
        0.4064,
        23.26,
        33.48,
    )
    assert (table["eb05"] >= 2).sum() == 131
    assert len(str(row["e"])) > 10  # full precision, not rounded
    # Evans/MHRA: PRR with its 95% interval and the Yates chi-square (scipy.stats.chi2_contingency: 573.26)
    assert (round(row["prr"], 2), round(row["prr_lower"], 2), round(row["prr_upper"], 2)) == (
        80.29,
        42.40,
        152.05,
    )
    assert row["chi2_yates"] == pytest.approx(573.2619, abs=1e-3)
    params = json.loads(hyper.read_text())
    assert set(params) == {"alpha1", "beta1", "alpha2", "beta2", "p", "neg_log_likelihood", "run"}
    assert params["alpha1"] == pytest.approx(3.2560, abs=5e-3) and params["p"] == pytest.approx(
        0.0653, abs=5e-4
    )
    assert params["neg_log_likelihood"] == pytest.approx(4162.456, abs=2e-3)
    assert "REUMOFAN" in stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left
    run_record = json.loads((tmp_path / "signals.run.json").read_text())
    assert run_record == params["run"]
    assert run_record["input"]["name"] == "caers_subset.csv"
    assert run_record["input"]["sha256"] == hashlib.sha256(caers_path.read_bytes()).hexdigest()
    assert run_record["columns"] == {"id": "id", "product": "var1", "event": "var2"}
    assert (run_record["margins"], run_record["strata"], run_record["prior_selection"]) == (
        "unique",
        [],
        "consensus",
    )
    assert run_record["prior"]["alpha1"] == params["alpha1"]
    assert run_record["neg_log_likelihood"] == params["neg_log_likelihood"]
    assert run_record["version"] and run_record["finished_at"].startswith("20")


def test_parquet_output_and_table_margins(caers_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    code, _, stderr = run(
        "signals",
        str(caers_path),
        "--product",
        "var1",
        "--event",
        "var2",
        "--strata",
        "strat1",
        "--margins",
        "table",
        "--out",
        str(out),
        "--quiet",
    )
    assert code == 0, stderr
    table = pd.read_parquet(out)
    assert list(table.columns) == COLUMNS and len(table) == 17189


def test_csv_to_stdout_without_out(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": [1, 1, 2, 3], "product": ["a", "a", "b", "a"], "event": ["x", "y", "x", "x"]}).to_csv(
        source, index=False
    )
    code, stdout, _ = run("signals", str(source), "--quiet")
    assert code == 0
    assert stdout.splitlines()[0].replace('"', "") == ",".join(COLUMNS)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("id,var1,var2\n1,a,x\n", ["--product", "drug"], "'drug'"),
        ("", [], "empty"),
        ("id,product,event\n", [], "no data rows"),
        ("id,product,event\n1.5,a,x\n2.5,b,y\n", [], "'id'"),
        (
            "id,product,event,age\n" + "".join(f"{i},a,x,{i}\n" for i in range(30)),
            ["--strata", "age"],
            "'age' has 30 levels",
        ),
        ("id,product,event\n1,,x\n", [], "missing"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, content: str, args: list[str], message: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(content)
    out = tmp_path / "out.csv"
    code, _, stderr = run("signals", str(source), *args, "--out", str(out), "--quiet")
    assert code == 2
    assert stderr.startswith("Error:") and message in stderr and "Traceback" not in stderr
    assert not out.exists()


def test_missing_path_and_bad_output(tmp_path: Path, caers_path: Path) -> None:
    code, _, stderr = run("signals", str(tmp_path / "nope.csv"))
    assert code == 2 and "does not exist" in stderr
    code, _, stderr = run("signals", str(caers_path), "--out", str(tmp_path / "missing" / "x.csv"))
    assert code == 2 and "does not exist" in stderr
    code, _, stderr = run("signals", str(caers_path), "--out", str(tmp_path / "x.txt"))
    assert code == 2 and ".csv or .parquet" in stderr


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


# --- a bad value after DuckDB's 20,480-row type sample is found like one at the top -----------------------

SAMPLE = 25_000  # more rows than DuckDB sniffs types from


def _long_csv(path: Path, last_line: bytes) -> Path:
    rows = b"".join(b"%d,P%d,E%d\n" % (i, i % 7, i % 5) for i in range(SAMPLE))
    path.write_bytes(b"id,product,event\n" + rows + last_line)
    return path


@pytest.mark.parametrize(
    ("last_line", "message"),
    [
        (b"12.5,P1,E1\n", "column 'id' (--id) has a decimal value '12.5'"),
        (b"7,P1\n", f"line {SAMPLE + 2} has 2 fields, the header has 3"),
        (b"7,P\xff\xfe,E1\n", f"is not UTF-8 text (line {SAMPLE + 2})"),
    ],
)
def test_a_bad_row_late_in_a_csv_is_one_clear_error(tmp_path: Path, last_line: bytes, message: str) -> None:
    source = _long_csv(tmp_path / "in.csv", last_line)
    code, _, stderr = run("signals", str(source), "--out", str(tmp_path / "out.csv"), "--quiet")
    assert code == 2, stderr
    assert stderr.startswith("Error:") and message in stderr and "Traceback" not in stderr


def test_a_text_id_late_in_a_csv_makes_the_ids_text_wherever_it_is(tmp_path: Path) -> None:
    late = _long_csv(tmp_path / "late.csv", b"abc,P1,E1\n")
    early = tmp_path / "early.csv"
    lines = late.read_bytes().splitlines(keepends=True)
    early.write_bytes(lines[0] + lines[-1] + b"".join(lines[1:-1]))
    tables = []
    for source in (late, early):
        code, _, stderr = run(
            "signals", str(source), "--out", str(tmp_path / f"{source.stem}.out.csv"), "--quiet"
        )
        assert code == 0, stderr
        tables.append(pd.read_csv(tmp_path / f"{source.stem}.out.csv"))
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_a_ragged_csv_says_so(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,var1,var2\n1,a,x\n2,b\n3,c,y,z\n")
    code, _, stderr = run("signals", str(source), "--product", "var1", "--event", "var2", "--quiet")
    assert code == 2
    assert "do not have a consistent number of columns: line 3 has 2 fields, the header has 3" in stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--engine", "spark", "--master", "bogus://x"], "--master"),
        (["--master", "local[2]"], "--master"),
    ],
)
def test_bad_spark_options(tmp_path: Path, args: list[str], option: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,product,event\n1,a,x\n")
    code, _, stderr = run("signals", str(source), *args, "--quiet")
    assert code == 2 and option in stderr and "Traceback" not in stderr


def _mesosafe(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MESOSAFE_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-c", "from mesosafe.cli import cli; cli()", *args]
    return subprocess.run(command, env=env, cwd=data_dir, capture_output=True, text=True, check=False)


def test_from_db_on_a_database_that_was_never_migrated(tmp_path: Path) -> None:
    for args in (["signals", "--from-db", "--quiet"], ["registry", "report", "--from-db", "--out", "r"]):
        done = _mesosafe(*args, data_dir=tmp_path)
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
    ],
)
def test_bad_report_options_are_option_errors(tmp_path: Path, args: list[str], option: str) -> None:
    code, _, stderr = run("registry", "report", "--demo-data", *args, "--out", str(tmp_path / "r"))
    assert code == 2 and option in stderr and "Traceback" not in stderr
    assert not (tmp_path / "r").exists()
