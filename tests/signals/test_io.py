from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
    assert rows.rows == 2 and rows.integer_id
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
    with pytest.raises(SignalsInputError, match="row 2 has 'soon', which is not a date"):
        check_registry(treatments.assign(date=["2024-01-01", "soon"]), complications)
    with pytest.raises(SignalsInputError, match="unknown treatment"):
        check_registry(treatments, complications.assign(treatment_id=["9"]))


def _checked(tmp_path: Path, content: str, name: str = "in.csv") -> tuple[duckdb.DuckDBPyConnection, Any]:
    path = tmp_path / name
    path.write_text(content)
    con = duckdb.connect()
    return con, register_long_rows(con, read_file(con, path), LongColumns())


def test_csv_columns_are_read_as_text_and_whole_number_ids_as_integers(tmp_path: Path) -> None:
    con, checked = _checked(tmp_path, 'id,product,event\n1,007,x\n" 01",007,"y, z"\n2,1.50,x\n')
    assert checked.integer_id and checked.rows == 3
    rows = con.sql("SELECT report_id, product, event FROM long_rows ORDER BY ALL").fetchall()
    assert rows == [(1, "007", "x"), (1, "007", "y, z"), (2, "1.50", "x")]  # labels kept as written


def test_text_ids(tmp_path: Path) -> None:
    con, checked = _checked(tmp_path, "id,product,event\nR-1,a,x\n12.5,a,y\n")
    assert not checked.integer_id
    assert con.sql("SELECT DISTINCT report_id FROM long_rows ORDER BY 1").fetchall() == [("12.5",), ("R-1",)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,product,event\n1,a,x\n2.0,a,y\n", "column 'id' (--id) has a decimal value '2.0'"),
        ("id,product,event\n99999999999999999999,a,x\n", "beyond the 64-bit integer range"),
        ("id,product,id\n1,a,x\n", "names column 'id' twice"),
        ("id,product,event\n1,a\n", "line 2 has 2 fields, the header has 3"),
    ],
)
def test_bad_csv(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(SignalsInputError, match=re.escape(message)):
        _checked(tmp_path, content)


def test_a_tsv_is_read_with_tabs(tmp_path: Path) -> None:
    con, _ = _checked(tmp_path, "id\tproduct\tevent\n1\ta,b\tx\n", name="in.tsv")
    assert con.sql("SELECT product FROM long_rows").fetchall() == [("a,b",)]


def test_a_decimal_text_id_in_parquet_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pd.DataFrame({"id": ["1", "1.5"], "product": ["a", "b"], "event": ["x", "x"]}).to_parquet(path)
    con = duckdb.connect()
    with pytest.raises(SignalsInputError, match=r"decimal value .1\.5."):
        register_long_rows(con, read_file(con, path), LongColumns())
