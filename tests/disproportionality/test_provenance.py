from __future__ import annotations

import hashlib
from pathlib import Path

from mesosafe.disproportionality import gps, provenance
from mesosafe.disproportionality.reading import LongColumns
from mesosafe.disproportionality.settings import RunSettings

FIT = gps.PriorFit(gps.Prior(3.0, 0.4, 2.0, 1.9, 0.07), 4162.5, 100, 17189, 6, False, "two-component prior")


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
    record = provenance.run_record(source, settings, FIT)
    assert record["input"]["name"] == "reports.csv" and record["input"]["bytes"] == 23
    assert record["input"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert record["columns"] == {"id": "id", "product": "drug", "event": "ae"}
    assert (record["strata"], record["margins"], record["prior_selection"]) == (["sex"], "table", "best")
    assert record["prior"]["alpha1"] == 3.0 and record["neg_log_likelihood"] == 4162.5
    assert record["version"] == provenance.tool_version() != "" and record["outputs"] == {"table": "s.csv"}
    assert provenance.run_record_path(tmp_path / "signals.csv") == tmp_path / "signals.run.json"


def test_a_database_export_is_named_as_such(tmp_path: Path) -> None:
    export = tmp_path / "reports.parquet"
    export.write_bytes(b"PAR1")
    settings = RunSettings(LongColumns(), source="clinic database (--from-db --by batch)")
    record = provenance.run_record(export, settings, FIT)
    assert record["input"]["source"] == "clinic database (--from-db --by batch)"
    assert "path" not in record["input"]  # a temporary file, removed after the run
