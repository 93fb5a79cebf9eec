"""`mesosafe signals`: the disproportionality pipeline from the command line."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from mesosafe.cli import cli
from mesosafe.cli.signals import MIN_ROR_N
from mesosafe.disproportionality import stats
from mesosafe.disproportionality.scoring import OUTPUT_COLUMNS

COLUMNS = list(OUTPUT_COLUMNS)


CAERS = Path(__file__).resolve().parents[1] / "data" / "caers_subset.csv"  # see tests/data/README.md


@pytest.fixture
def caers_path() -> Path:
    return CAERS


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
        "--names",
        "as-written",  # as openEBGM reads them
        "--quiet",
    )
    assert code == 0, stderr
    assert stderr == ""  # --quiet, and the prior is sound: nothing to warn about
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
    assert run_record["columns"] == {"id": "id", "product": "var1", "event": "var2", "date": None}
    assert (run_record["names"]["product_and_event"], run_record["prior_degenerate"]) == ("as-written", [])
    # the 2×2 margins and the flags are columns of the table
    assert (row["n_product"], row["n_event"], row["n_total"]) == (44, 31, 3356)
    assert bool(row["flag_eb05"]) and bool(row["flag_evans"]) and bool(row["flag_fdr"])
    assert table["flag_eb05"].sum() == 131
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
    assert list(table.columns) == COLUMNS and len(table) == 17121  # 37 spellings merged by default


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
        ("id,product,event\n1,,x\n", [], "column 'product' (--product) is blank in row 1 (report 1)"),
        ("id,product,event,sex\n1,a,x,F\n1,b,x,M\n", ["--strata", "sex"], "report 1 has two values"),
        ("id,product,event\n1,a,x\n", ["--period", "quarter"], "--period quarter needs"),
        (
            "id,product,event\n1,a,x\n2,b\x00c,x\n",
            [],
            "column 'product' (--product) has a control character (U+0000) in row 2 (report 2) of '",
        ),
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


def mesosafe(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MESOSAFE_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-c", "from mesosafe.cli import cli; cli()", *args]
    return subprocess.run(command, env=env, cwd=data_dir, capture_output=True, text=True, check=False)


def test_from_db_on_a_database_that_was_never_migrated(tmp_path: Path) -> None:
    done = mesosafe("signals", "--from-db", "--quiet", data_dir=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "mesosafe manage migrate" in done.stderr and "Traceback" not in done.stderr


# --- degenerate priors, flags, periods and the diff ----------------------------------------------------


def _first_reports(tmp_path: Path, reports: int) -> Path:
    frame = pd.read_csv(CAERS)
    path = tmp_path / f"caers_{reports}.csv"
    frame[frame["id"].isin(frame["id"].drop_duplicates().head(reports))].to_csv(path, index=False)
    return path


def test_a_degenerate_prior_gives_empty_eb_columns_and_a_warning(tmp_path: Path) -> None:
    source, out = _first_reports(tmp_path, 30), tmp_path / "s.csv"
    args = ["signals", str(source), "--product", "var1", "--event", "var2", "--quiet"]
    code, _, stderr = run(*args, "--out", str(out))
    assert code == 0, stderr
    assert stderr.startswith("prior: two-component fit collapsed")
    assert (
        "Warning: the prior fit is degenerate (α = 162754.79 is at the upper bound e^12 of the search box)"
        in stderr
    )
    assert "are empty" in stderr
    table = pd.read_csv(out)
    assert (
        len(table) == 138
        and table[["ebgm", "eb05", "eb95", "post_h0", "flag_eb05", "flag_fdr"]].isna().all().all()
    )
    assert table[["prr", "ic025", "flag_evans"]].notna().all().all()
    record = json.loads((tmp_path / "s.run.json").read_text())
    assert record["prior_degenerate"] == ["α = 162754.79 is at the upper bound e^12 of the search box"]
    assert record["eb_columns"] == "empty: the prior is degenerate"
    code, _, stderr = run(*args, "--out", str(out), "--degenerate-prior", "keep")
    assert code == 0 and "are kept, but not to be trusted" in stderr
    assert pd.read_csv(out)["ebgm"].notna().all()


def test_flag_thresholds_and_min_n_are_options(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    args = ["signals", str(CAERS), "--product", "var1", "--event", "var2", "--names", "as-written", "--quiet"]
    code, _, stderr = run(*args, "--out", str(out), "--min-n", "3", "--eb05-threshold", "4", "--evans-n", "5")
    assert code == 0, stderr
    table = pd.read_csv(out)
    assert table["n"].min() == 3
    assert table["flag_eb05"].tolist() == (table["eb05"] >= 4).tolist()
    assert not (table["flag_evans"] & (table["n"] < 5)).any()
    record = json.loads((tmp_path / "s.run.json").read_text())
    assert (record["min_n"], record["flag_thresholds"]["eb05"], record["flag_thresholds"]["evans_n"]) == (
        3,
        4.0,
        5,
    )


def test_the_ror_flag_needs_three_reports_unless_told(tmp_path: Path) -> None:
    """Review F3: without a minimum count, flag_ror marked 4,186 of CAERS's 16,040 single-report pairs."""
    out = tmp_path / "s.csv"
    args = ["signals", str(CAERS), "--product", "var1", "--event", "var2", "--names", "as-written", "--quiet"]
    code, _, stderr = run(*args, "--out", str(out))
    assert code == 0, stderr
    table = pd.read_csv(out)
    assert table["flag_ror"].sum() == 312 and table.loc[table["flag_ror"], "n"].min() == 3
    assert json.loads((tmp_path / "s.run.json").read_text())["flag_thresholds"]["ror_n"] == 3
    # --ror-n 1 flagged 4,887 pairs, 4,186 of them with N = 1; below 3 reports there is no interval now, so a
    # minimum below 3 would change nothing, and is refused as an option without effect
    code, _, stderr = run(*args, "--out", str(out), "--ror-n", "2")
    assert code == 2 and "--ror-n" in stderr and "x>=3" in stderr
    assert MIN_ROR_N == stats.MIN_INTERVAL_REPORTS


def test_the_evans_flag_needs_three_reports(tmp_path: Path) -> None:
    """--evans-n 1 was taken and flagged 12,433 of CAERS's 17,189 pairs as Evans signals, 11,681 of them from
    one report (--evans-n 2: 752), where Evans et al. (2001)'s rule asks for N >= 3: refused naming it."""
    out = tmp_path / "s.csv"
    args = ["signals", str(CAERS), "--product", "var1", "--event", "var2", "--names", "as-written", "--quiet"]
    for low in ("1", "2"):
        code, _, stderr = run(*args, "--out", str(out), "--evans-n", low)
        assert code == 2 and "--evans-n" in stderr and "x>=3" in stderr and "Traceback" not in stderr
    assert not out.exists()
    code, _, stderr = run(*args, "--out", str(out), "--evans-n", "3")
    assert code == 0, stderr
    assert pd.read_csv(out)["flag_evans"].sum() == 319


def test_no_interval_is_printed_from_one_report_and_the_table_says_why(tmp_path: Path) -> None:
    """CAERS BONE SOLID / NAIL DISORDER, N = 1 (a, b, c, d = 1, 1, 1, 3353): PRR 1677 [152.1, 18489.9] and ROR
    3353 [112.5, 99961.1] were written, bounds from a single report that read like measurements."""
    out = tmp_path / "s.csv"
    args = ["signals", str(CAERS), "--product", "var1", "--event", "var2", "--names", "as-written", "--quiet"]
    code, _, stderr = run(*args, "--out", str(out))
    assert code == 0, stderr
    table = pd.read_csv(out)
    row = table[(table["product"] == "BONE SOLID") & (table["event"] == "NAIL DISORDER")].iloc[0]
    assert (row["n"], row["prr"], row["ror"]) == (1, 1677.0, 3353.0)
    assert np.isnan([row["prr_lower"], row["prr_upper"], row["ror_lower"], row["ror_upper"]]).all()
    assert row["interval_note"] == "N < 3 (fewer than 3 reports)"
    few = table["n"] < 3
    assert table.loc[few, "prr_lower"].isna().all() and table.loc[few, "interval_note"].notna().all()
    sound = table[~few & table["interval_note"].isna()]
    assert len(sound) == 410 and sound[["prr_lower", "ror_lower"]].notna().all().all()
    assert table.loc[table["flag_ror"], "n"].min() == 3 and table["flag_ror"].sum() == 312


@pytest.mark.parametrize(
    "option", [["--fdr-level", "1"], ["--eb05-threshold", "nan"], ["--min-n", "0"], ["--ror-n", "0"]]
)
def test_bad_flag_options_are_option_errors(tmp_path: Path, option: list[str]) -> None:
    code, _, stderr = run("signals", str(CAERS), *option, "--quiet")
    assert code == 2 and option[0] in stderr and "Traceback" not in stderr


def _dated(tmp_path: Path) -> Path:
    """CAERS with a made-up report date: the reports spread over 2012 in id order."""
    frame = pd.read_csv(CAERS)
    ids = sorted(frame["id"].unique())
    day = {
        report: pd.Timestamp("2012-01-01") + pd.Timedelta(days=i * 365 // len(ids))
        for i, report in enumerate(ids)
    }
    frame["date"] = frame["id"].map(day).dt.strftime("%Y-%m-%d")
    path = tmp_path / "dated.csv"
    frame.to_csv(path, index=False)
    return path


def test_quarterly_cumulative_scores_and_the_diff_of_two_runs(tmp_path: Path) -> None:
    source, quarterly = _dated(tmp_path), tmp_path / "quarters.csv"
    args = [
        "signals",
        str(source),
        "--product",
        "var1",
        "--event",
        "var2",
        "--names",
        "as-written",
        "--quiet",
    ]
    code, _, stderr = run(*args, "--date", "date", "--period", "quarter", "--out", str(quarterly))
    assert code == 0, stderr
    table = pd.read_csv(quarterly, low_memory=False)
    assert table.columns[0] == "period" and sorted(table["period"].unique()) == [
        "2012Q1",
        "2012Q2",
        "2012Q3",
        "2012Q4",
    ]
    totals = table.groupby("period")["n_total"].first()
    assert totals.is_monotonic_increasing and totals["2012Q4"] == 3356  # cumulative
    last = table[table["period"] == "2012Q4"].drop(columns="period").reset_index(drop=True)
    code, _, stderr = run(*args, "--out", str(tmp_path / "all.csv"))
    whole = pd.read_csv(tmp_path / "all.csv")
    pd.testing.assert_frame_equal(last, whole, rtol=1e-6, check_dtype=False)  # the last quarter is all
    record = json.loads((tmp_path / "quarters.run.json").read_text())
    assert [p["period"] for p in record["periods"]] == ["2012Q1", "2012Q2", "2012Q3", "2012Q4"]

    half = tmp_path / "half.csv"
    table[table["period"] == "2012Q2"].to_csv(half, index=False)
    code, stdout, stderr = run("signals-diff", str(half), str(tmp_path / "all.csv"))
    assert code == 0, stderr
    changes = pd.read_csv(io.StringIO(stdout))
    assert "new signal" in set(changes["change"]) and re.match(r"\d+ new signal, \d+ flag raised", stderr)
    new = changes[changes["change"] == "new signal"]
    assert (~new["in_old"] | new["flags_before"].isna()).all()


def test_signals_diff_bad_input(tmp_path: Path) -> None:
    code, _, stderr = run("signals-diff", str(tmp_path / "a.csv"), str(CAERS))
    assert code == 2 and "does not exist" in stderr
    code, _, stderr = run("signals-diff", str(CAERS), str(CAERS))
    assert code == 2 and "is not a `mesosafe signals` table" in stderr


DATA = Path(__file__).resolve().parents[1] / "data"


def test_faers_quarters_from_the_command_line_with_roles_and_provenance(tmp_path: Path) -> None:
    out = tmp_path / "faers.csv"
    faers = DATA / "faers"
    code, _, stderr = run(
        "signals", str(faers / "DEMO24Q1.txt"), str(faers / "DEMO24Q2.txt"), "--drug-roles", "PS,SS,C",
        "--out", str(out), "--quiet",
    )  # fmt: skip
    assert code == 0, stderr
    record = json.loads(out.with_suffix(".run.json").read_text())
    assert record["input"]["format"] == "faers" and record["input"]["drug_roles"] == ["PS", "SS", "C"]
    assert record["input"]["faers"]["cases_kept"] == 10 and len(record["input"]["files"]) == 6
    table = pd.read_csv(out)
    assert int(table["n_total"].iloc[0]) == 10
    code, _, stderr = run("signals", str(faers), "--drug-roles", "PS,XX", "--quiet")
    assert code == 2 and "--drug-roles: 'XX' is not a FAERS role_cod" in stderr
    code, _, stderr = run("signals", str(DATA / "caers_subset.csv"), "--drug-roles", "PS", "--quiet")
    assert code == 2 and "--drug-roles is for FAERS and E2B input" in stderr


def test_a_bad_faers_line_exits_2_naming_file_line_and_field(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "q"
    shutil.copytree(DATA / "faers", folder)
    drug = folder / "DRUG24Q1.txt"
    drug.write_text(drug.read_text().replace("10041$1004$1$PS$", "10041$1004$1$SUSPECT$"))
    code, _, stderr = run("signals", "--input-format", "faers", str(folder), "--quiet")
    assert code == 2
    assert "DRUG24Q1.txt' line 8, field 'role_cod': 'SUSPECT' is not one of PS, SS, C, I" in stderr


def test_e2b_with_a_hierarchy_and_event_level(tmp_path: Path) -> None:
    out = tmp_path / "e2b.csv"
    code, _, stderr = run(
        "signals", str(DATA / "e2b" / "icsr_batch.xml"), "--hierarchy", str(DATA / "hierarchy" / "codes.csv"),
        "--event-level", "pt", "--out", str(out), "--quiet",
    )  # fmt: skip
    assert code == 0, stderr
    table = pd.read_csv(out, dtype={"event": str}).set_index(["product", "event"])
    assert table.loc[("liposculpt", "99100002"), "n"] == 3
    record = json.loads(out.with_suffix(".run.json").read_text())
    assert record["input"]["format"] == "e2b" and record["events"]["level"] == "pt"
    assert record["events"]["hierarchy"]["name"] == "codes.csv"
    code, _, stderr = run("signals", str(DATA / "caers_subset.csv"), "--event-level", "soc", "--quiet")
    assert code == 2 and "--event-level needs --hierarchy FILE" in stderr
    code, _, stderr = run(
        "signals", str(DATA / "caers_subset.csv"), "--id", "id", "--product", "var1", "--event", "var2",
        "--hierarchy", str(DATA / "hierarchy" / "terms.csv"), "--event-level", "soc", "--quiet",
    )  # fmt: skip
    assert code == 2 and "events are not in the PT column of the hierarchy file" in stderr


def test_top_with_empty_eb_columns_prints_them_empty() -> None:
    code, stdout, stderr = run("signals", str(DATA / "faers"), "--top", "3", "--quiet")
    assert code == 0, stderr
    assert "liposculpt" in stdout and "Traceback" not in stderr


# --- review: unwritable outputs, dates out of range, one column in two roles, unknown flags, --top ------

needs_proc = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc and /sys")


def _small(tmp_path: Path) -> Path:
    """The first 30 reports of CAERS (150 rows): a degenerate prior, and a run of a second."""
    source = tmp_path / "in.csv"
    source.write_text("\n".join(CAERS.read_text().splitlines()[:151]) + "\n")
    return source


@needs_proc
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "/proc/x.csv"], "cannot write --out '/proc/x.csv'"),
        (["--out", "/sys/x.parquet"], "cannot write --out '/sys/x.parquet'"),
        (["--out", "{tmp}/s.csv", "--hyper-out", "/proc/x.json"], "cannot write --hyper-out '/proc/x.json'"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_the_work(
    tmp_path: Path, args: list[str], message: str
) -> None:
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    code, _, stderr = run(
        "signals", str(_small(tmp_path)), "--product", "var1", "--event", "var2", "--quiet", *args
    )
    assert code == 2 and stderr.startswith(f"Error: {message}") and "Traceback" not in stderr
    assert not (tmp_path / "s.csv").exists()  # refused before --out was written


@needs_proc
def test_signals_diff_refuses_an_output_that_cannot_be_written(tmp_path: Path) -> None:
    table = tmp_path / "s.csv"
    code, _, stderr = run("signals", str(_small(tmp_path)), "--product", "var1", "--event", "var2", "--quiet",
                          "--out", str(table))  # fmt: skip
    assert code == 0, stderr
    code, _, stderr = run("signals-diff", str(table), str(table), "--out", "/proc/x.csv")
    assert code == 2 and stderr.startswith("Error: cannot write --out '/proc/x.csv'")


def test_a_failed_write_exits_2_naming_the_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mesosafe.disproportionality import output

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "write_table", full)
    out = tmp_path / "s.csv"
    code, _, stderr = run("signals", str(_small(tmp_path)), "--product", "var1", "--event", "var2", "--quiet",
                          "--out", str(out))  # fmt: skip
    assert code == 2 and f"Error: cannot write --out {str(out)!r}: No space left on device" in stderr


@pytest.mark.parametrize("day", ["1600-01-01", "0001-01-01", "2262-01-01"])
def test_a_date_outside_1678_2261_is_refused(tmp_path: Path, day: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"id,product,event,d\n1,a,x,2024-01-05\n2,a,y,{day}\n")
    code, _, stderr = run("signals", str(source), "--date", "d", "--period", "quarter", "--quiet")
    assert code == 2
    assert (
        f"Error: column 'd' (--date) in row 2 (report 2) has '{day}', which is outside the years 1678–2261"
        in stderr
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--product", "var1", "--event", "var1"], "--product and --event both name the column 'var1'"),
        (["--product", "id", "--event", "var2"], "--id and --product both name the column 'id'"),
        (
            ["--id", "var2", "--product", "var1", "--event", "var2"],
            "--id and --event both name the column 'var2'",
        ),
    ],
)
def test_one_column_in_two_roles_is_refused(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, stderr = run("signals", str(_small(tmp_path)), *args, "--quiet")
    assert code == 2 and stderr.startswith(f"Error: {message}")


def test_signals_diff_against_a_degenerate_run_reports_unknown_flags_not_cleared(tmp_path: Path) -> None:
    whole, small = tmp_path / "whole.csv", tmp_path / "small.csv"
    for source, out in ((CAERS, whole), (_small(tmp_path), small)):
        code, _, stderr = run("signals", str(source), "--product", "var1", "--event", "var2", "--quiet",
                              "--out", str(out))  # fmt: skip
        assert code == 0, stderr
    code, stdout, stderr = run("signals-diff", str(whole), str(small))
    assert code == 0, stderr
    changes = pd.read_csv(io.StringIO(stdout), keep_default_na=False)
    in_new = changes[changes["n_after"] != ""]  # a pair missing from NEW has lost every flag
    assert len(in_new) and not in_new["flags_cleared"].str.contains("eb05|fdr").any()  # empty: unknown
    assert changes["flags_unknown"].str.contains("eb05").any()
    assert re.search(r"\d+ flag cleared, [1-9]\d* flag unknown \(\d+ pairs changed\)", stderr)


def test_top_says_what_it_sorts_by(tmp_path: Path) -> None:
    args = ["--product", "var1", "--event", "var2", "--quiet", "--top", "3"]
    code, stdout, stderr = run("signals", str(_small(tmp_path)), *args)  # a degenerate prior: no EB05
    assert code == 0, stderr
    assert "Strongest 3 signals (by ic025 then prr_lower)" in stdout and "EB05" not in stdout
    code, stdout, stderr = run("signals", str(CAERS), *args)
    assert code == 0, stderr
    assert "Strongest 3 signals (by eb05 then ebgm)" in stdout


def test_a_bad_byte_on_line_3_is_named_on_line_3(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"id,product,event\n1,a,x\n2,\xe9b,x\n3,a,y\n")
    code, _, stderr = run("signals", str(source), "--quiet")
    assert code == 2 and "is not UTF-8 text (line 3" in stderr and "header" not in stderr


# --- options that would have no effect are refused; no numpy warning on stderr ---------------------------


@pytest.mark.parametrize(
    ("source", "args", "message"),
    [
        (CAERS, ["--by", "batch"], "--by needs --from-db"),
        (CAERS, ["--by", "product"], "--by needs --from-db"),  # its default value, but given
        (CAERS, ["--event-level", "pt"], "--event-level needs --hierarchy FILE"),
        (CAERS, ["--max-strata-levels", "5"], "--max-strata-levels needs --strata"),
        (CAERS, ["--conf", "spark.sql.shuffle.partitions=2"], "--conf needs --engine spark"),
        (DATA / "faers", ["--id", "id"], "--id is for CSV/Parquet input; FAERS reports are their caseid"),
        (DATA / "e2b", ["--id", "caseid"], "--id is for CSV/Parquet input; E2B reports are their safety"),
    ],
)
def test_an_option_that_would_have_no_effect_is_refused(source: Path, args: list[str], message: str) -> None:
    code, _, stderr = run("signals", str(source), *args, "--quiet")
    assert code == 2 and f"Error: {message}" in stderr and "Traceback" not in stderr


def test_an_option_given_with_what_it_needs_is_accepted(tmp_path: Path) -> None:
    args = ["--product", "var1", "--event", "var2", "--strata", "strat1", "--max-strata-levels", "5"]
    code, _, stderr = run("signals", str(_small(tmp_path)), *args, "--quiet")
    assert code == 0, stderr


@pytest.mark.parametrize("args", [["--id", "id"], ["--input-format", "long"], ["--strata", "sex"]])
def test_from_db_refuses_the_options_it_decides_itself(tmp_path: Path, args: list[str]) -> None:
    done = mesosafe("signals", "--from-db", *args, "--quiet", data_dir=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"Error: {args[0]} cannot be used with --from-db" in done.stderr  # before the database is read


@pytest.mark.parametrize("period", [[], ["--period", "all"]])
def test_a_date_column_without_quarters_is_refused(tmp_path: Path, period: list[str]) -> None:
    """--date was read, checked and recorded, and changed no number: only --period quarter uses it."""
    out = tmp_path / "out.csv"
    args = ["--product", "var1", "--event", "var2", "--date", "date", *period, "--out", str(out), "--quiet"]
    code, _, stderr = run("signals", str(_dated(tmp_path)), *args)
    assert code == 2 and "Error: --date needs --period quarter" in stderr and not out.exists()


def test_quarters_from_the_database_are_refused_before_it_is_read(tmp_path: Path) -> None:
    """Its reports have no date: refused once the export had run, now before (here it was never migrated)."""
    done = mesosafe("signals", "--from-db", "--period", "quarter", "--quiet", data_dir=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Error: --period quarter needs the reports' date column (--date)" in done.stderr
    assert "migrate" not in done.stderr


def test_keeping_a_degenerate_prior_prints_no_numpy_warning(tmp_path: Path) -> None:
    out = tmp_path / "quarters.csv"
    done = mesosafe(
        "signals", str(_dated(tmp_path)), "--product", "var1", "--event", "var2", "--date", "date",
        "--period", "quarter", "--degenerate-prior", "keep", "--out", str(out), "--quiet", data_dir=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "are kept, but not to be trusted" in done.stderr  # the early quarters' priors are degenerate
    assert "RuntimeWarning" not in done.stderr and "overflow" not in done.stderr
    assert pd.read_csv(out)["eb05"].notna().all()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["a,x,1,2,3,maybe"], "column 'flag_eb05', row 1: 'maybe' is not a flag (true, false or empty)"),
        (["a,x,1,2,3,true", "a,x,1,2,3,false"], "the pair product 'a', event 'x' is in rows 1 and 2"),
    ],
)
def test_signals_diff_refuses_a_bad_flag_or_a_pair_twice(
    tmp_path: Path, rows: list[str], message: str
) -> None:
    table = tmp_path / "t.csv"
    table.write_text("\n".join(["product,event,n,prr,eb05,flag_eb05", *rows]) + "\n")
    code, _, stderr = run("signals-diff", str(table), str(table))
    assert code == 2 and f"Error: {str(table)!r}" in stderr and message in stderr, stderr


def test_prr_without_another_product_is_undefined_like_ror(tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("id,product,event\n1,A,X\n2,A,Y\n3,A,X\n")
    code, stdout, stderr = run("signals", str(one), "--quiet")
    assert code == 0, stderr
    table = pd.read_csv(io.StringIO(stdout))
    assert table[["prr", "ror"]].isna().all().all() and table["flag_evans"].eq(False).all()


def test_strata_are_normalised_and_missing_codes_and_small_strata_are_warned(tmp_path: Path) -> None:
    """Review F9 (its nastrat.csv): F, f, NA and unknown were four strata of one report each, silently."""
    source, out = tmp_path / "nastrat.csv", tmp_path / "s.csv"
    source.write_text("id,product,event,sex\n1,A,X,F\n2,B,Y,NA\n3,A,Y,unknown\n4,B,X,f\n")
    code, _, stderr = run("signals", str(source), "--strata", "sex", "--out", str(out), "--quiet")
    assert code == 0, stderr
    record = json.loads((tmp_path / "s.run.json").read_text())
    assert record["strata_reports"] == {"f": 2, "na": 1, "unknown": 1}  # F and f are one stratum
    warnings = record["strata_warnings"]
    assert [w.split(",")[0] for w in warnings[:2]] == [
        "stratum column 'sex' has the value 'na' (1 report)",
        "stratum column 'sex' has the value 'unknown' (1 report)",
    ]
    assert warnings[2].startswith("3 of the 3 strata have fewer than 10 reports")
    assert "holding 4 of the 4 reports (100.0%)" in warnings[2]
    assert all(f"Warning: {w}. See docs/signals.md." in stderr for w in warnings)  # even with --quiet
    code, _, _ = run("signals", str(source), "--strata", "sex", "--names", "as-written", "--out", str(out))
    as_written = json.loads((tmp_path / "s.run.json").read_text())["strata_reports"]
    assert code == 0 and as_written == {"F": 1, "NA": 1, "f": 1, "unknown": 1}


def test_caers_not_available_stratum_is_warned_about(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    args = ["--product", "var1", "--event", "var2", "--strata", "strat1", "--out", str(out), "--quiet"]
    code, _, stderr = run("signals", str(CAERS), *args)
    assert code == 0, stderr
    record = json.loads((tmp_path / "s.run.json").read_text())
    assert record["strata_reports"] == {"female": 2120, "male": 1013, "not available": 223}
    assert record["strata_warnings"] == [
        "stratum column 'strat1' has the value 'not available' (223 reports), which looks like a "
        "missing-value code: it is counted as a stratum of its own, not as unknown (recode it, or leave "
        "those reports out, if it means missing)"
    ]
    assert stderr.count("Warning: ") == 1


def test_top_shows_an_infinite_ratio_and_a_missing_interval_as_said_under_the_table(tmp_path: Path) -> None:
    """REUMOFAN PLUS / IMMOBILE (N = 6, c = 0: the event reported with no other product) was printed with
    PRR and ROR `inf` and PRR's interval `nan`, which read as a fault. The table shows ∞ and nothing, and
    says what they mean; the output file keeps inf (openEBGM's Inf) and NaN."""
    out = tmp_path / "signals.csv"
    args = ["--id", "id", "--product", "var1", "--event", "var2", "--names", "as-written", "--quiet"]
    code, stdout, stderr = run("signals", str(CAERS), *args, "--top", "20", "--out", str(out))
    assert code == 0, stderr
    row = next(line for line in stdout.splitlines() if "IMMOBILE" in line and "REUMOFAN" in line)
    assert "∞" in row and "inf" not in row and "nan" not in stdout
    assert "∞: the ratio has a zero cell below it" in " ".join(stdout.split())
    written = pd.read_csv(out).set_index(["product", "event"]).loc[("REUMOFAN PLUS", "IMMOBILE")]
    assert np.isinf(written["prr"]) and np.isinf(written["ror"]) and np.isnan(written["prr_lower"])
    assert written["interval_note"] == "c = 0 (no report of the event without the product)"


@pytest.mark.parametrize("charset", ["ascii", "latin-1", "cp1252"])
def test_top_prints_on_an_output_that_cannot_write_the_infinity_sign(tmp_path: Path, charset: str) -> None:
    """Printed to an output whose encoding has no ∞ (a file in a Latin-1 locale, a Windows console,
    PYTHONIOENCODING=ascii) the table was a UnicodeEncodeError traceback after all the work, exit 1, where
    before it printed inf: it prints inf there, and says so under the table."""
    args = ["--id", "id", "--product", "var1", "--event", "var2", "--names", "as-written", "--quiet"]
    result = CliRunner(charset=charset).invoke(cli, ["signals", str(CAERS), *args, "--top", "20"])
    assert result.exit_code == 0, result.exception
    row = next(line for line in result.stdout.splitlines() if "IMMOBILE" in line and "REUMOFAN" in line)
    assert "inf" in row and "nan" not in result.stdout
    assert "inf: the ratio has a zero cell below it" in " ".join(result.stdout.split())
