from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mesosafe.signals.errors import SignalsInputError
from mesosafe.signals.io import LongColumns, input_format, read_file, register_frame, register_long_rows
from mesosafe.signals.registry import check_registry


def test_formats(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    assert input_format(tmp_path / "a.csv") == "csv"
    with pytest.raises(SignalsInputError, match=r"must be \.csv or \.parquet"):
        (tmp_path / "a.json").write_text("{}")
        input_format(tmp_path / "a.json")
    with pytest.raises(SignalsInputError, match="directory"):
        input_format(tmp_path)


def test_parquet_with_nested_column_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pd.DataFrame({"id": [1], "product": [["a", "b"]], "event": ["x"]}).to_parquet(path)
    con = duckdb.connect()
    with pytest.raises(SignalsInputError, match="'product'"):
        register_long_rows(con, read_file(con, path), LongColumns())


def test_frames_feed_the_pipeline() -> None:
    con = duckdb.connect()
    rows = register_frame(
        con,
        pd.DataFrame({"rid": [1, 2], "drug": ["a", "b"], "ae": ["x", "x"]}),
        LongColumns("rid", "drug", "ae"),
    )
    assert rows == 2
    assert con.sql("SELECT count(*) FROM long_rows").fetchall() == [(2,)]


def test_registry_checks() -> None:
    treatments = pd.DataFrame(
        {
            "treatment_id": ["1", "2"],
            "date": ["2024-01-01", "2024-01-02"],
            "clinic": "c",
            "practitioner": "p",
            "product": "x",
            "batch": "b",
            "multi_dose_vial": ["yes", "no"],
        }
    )
    complications = pd.DataFrame(
        {"treatment_id": ["2"], "onset_date": ["2024-02-01"], "suspected_infection": ["1"]}
    )
    tables = check_registry(treatments, complications)
    assert list(tables.treatments["multi_dose_vial"]) == [True, False]
    with pytest.raises(SignalsInputError, match="'clinic'"):
        check_registry(treatments.drop(columns="clinic"), complications)
    with pytest.raises(SignalsInputError, match="not dates"):
        check_registry(treatments.assign(date=["2024-01-01", "soon"]), complications)
    with pytest.raises(SignalsInputError, match="unknown treatment"):
        check_registry(treatments, complications.assign(treatment_id=["9"]))
