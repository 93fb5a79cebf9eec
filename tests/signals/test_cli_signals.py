from __future__ import annotations

import json
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
    params = json.loads(hyper.read_text())
    assert set(params) == {"alpha1", "beta1", "alpha2", "beta2", "p", "neg_log_likelihood"}
    assert params["alpha1"] == pytest.approx(3.2560, abs=5e-3) and params["p"] == pytest.approx(
        0.0653, abs=5e-4
    )
    assert params["neg_log_likelihood"] == pytest.approx(4162.456, abs=2e-3)
    assert "REUMOFAN" in stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


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
