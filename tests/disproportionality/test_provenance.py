from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from mesosafe.disproportionality import gps, provenance
from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.settings import RunSettings

FIT = gps.PriorFit(gps.Prior(3.0, 0.4, 2.0, 1.9, 0.07), 4162.5, 100, 17189, 6, False, "two-component prior")
RESULT = provenance.Fitted(FIT, eb_empty=False)


def test_the_run_record_names_what_the_table_was_made_from(tmp_path: Path) -> None:
    source = tmp_path / "reports.csv"
    source.write_bytes(b"id,drug,ae,sex\n1,a,x,F\n")
    settings = RunSettings(
        LongColumns("id", "drug", "ae", ("sex",)),
        margins="table",
        prior_selection="best",
        max_strata_levels=5,
        out=Path("s.csv"),
    )
    record = provenance.run_record(source, settings, RESULT)
    assert record["input"]["name"] == "reports.csv" and record["input"]["bytes"] == 23
    assert record["input"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert record["columns"] == {"id": "id", "product": "drug", "event": "ae", "date": None}
    assert (record["strata"], record["margins"], record["prior_selection"]) == (["sex"], "table", "best")
    assert record["prior"]["alpha1"] == 3.0 and record["neg_log_likelihood"] == 4162.5
    assert record["version"] == provenance.tool_version() != "" and record["outputs"] == {"table": "s.csv"}
    assert provenance.run_record_path(tmp_path / "signals.csv") == tmp_path / "signals.run.json"


def test_a_database_export_is_named_as_such(tmp_path: Path) -> None:
    export = tmp_path / "reports.parquet"
    export.write_bytes(b"PAR1")
    settings = RunSettings(LongColumns(), source="clinic database (--from-db --by batch)")
    record = provenance.run_record(export, settings, RESULT)
    assert record["input"]["source"] == "clinic database (--from-db --by batch)"
    assert "path" not in record["input"]  # a temporary file, removed after the run


def test_the_record_says_how_names_were_read_and_flags_were_set(tmp_path: Path) -> None:
    source = tmp_path / "reports.csv"
    source.write_bytes(b"id,product,event\n1,a,x\n")
    record = provenance.run_record(source, RunSettings(min_n=3), RESULT)
    assert record["names"] == {
        "product_and_event": "normalised",
        "meaning": "trimmed, inner whitespace collapsed to one space, Unicode NFC, lower-cased",
    }
    assert record["min_n"] == 3 and record["flag_thresholds"]["eb05"] == 2.0
    assert (record["prior_degenerate"], record["eb_columns"]) == ([], "filled")
    as_written = provenance.run_record(source, RunSettings(names="as-written"), RESULT)
    assert as_written["names"]["meaning"] == "as written (every spelling is its own name)"


def test_a_degenerate_prior_and_empty_eb_columns_are_recorded(tmp_path: Path) -> None:
    source = tmp_path / "reports.csv"
    source.write_bytes(b"id,product,event\n1,a,x\n")
    degenerate = replace(FIT, degenerate=("only 10 pairs with N ≥ 1 (a prior needs at least 50)",))
    record = provenance.run_record(source, RunSettings(), provenance.Fitted(degenerate, eb_empty=True))
    assert record["prior_degenerate"] == ["only 10 pairs with N ≥ 1 (a prior needs at least 50)"]
    assert record["eb_columns"] == "empty: the prior is degenerate" and record["degenerate_prior"] == "empty"


def test_each_period_s_prior_is_recorded(tmp_path: Path) -> None:
    source = tmp_path / "reports.csv"
    source.write_bytes(b"id,product,event\n1,a,x\n")
    early = provenance.Fitted(replace(FIT, degenerate=("only 12 pairs",)), eb_empty=True, label="2012Q1")
    late = provenance.Fitted(FIT, eb_empty=False, label="2012Q2")
    record = provenance.run_record(source, RunSettings(period="quarter"), late, [early, late])
    assert [(p["period"], p["eb_columns"]) for p in record["periods"]] == [
        ("2012Q1", "empty: the prior is degenerate"),
        ("2012Q2", "filled"),
    ]
