from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mesosafe.disproportionality.reading import LongColumns, LongTable, frame_long_table, read_long_table
from mesosafe.lib.analysis_input import AnalysisInputError


def test_parquet_with_nested_column_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pd.DataFrame({"id": [1], "product": [["a", "b"]], "event": ["x"]}).to_parquet(path)
    with pytest.raises(AnalysisInputError, match="'product'"):
        read_long_table(duckdb.connect(), path, LongColumns())


def test_a_frame_becomes_the_long_table() -> None:
    long = frame_long_table(
        duckdb.connect(),
        pd.DataFrame({"rid": [1, 2], "drug": ["a", "b"], "ae": ["x", "x"]}),
        LongColumns("rid", "drug", "ae"),
    )
    assert long.rows == 2 and long.integer_id and not long.stratified
    assert long.relation.columns == ["report_id", "product", "event", "stratum"]
    assert sorted(long.relation.fetchall()) == [(1, "a", "x", "all"), (2, "b", "x", "all")]


def _checked(tmp_path: Path, content: str, name: str = "in.csv") -> LongTable:
    path = tmp_path / name
    path.write_text(content)
    return read_long_table(duckdb.connect(), path, LongColumns())


def test_csv_columns_are_read_as_text_and_whole_number_ids_as_integers(tmp_path: Path) -> None:
    checked = _checked(tmp_path, 'id,product,event\n1,007,x\n" 01",007,"y, z"\n2,1.50,x\n')
    assert checked.integer_id and checked.rows == 3
    rows = checked.relation.project("report_id, product, event").order("ALL").fetchall()
    assert rows == [(1, "007", "x"), (1, "007", "y, z"), (2, "1.50", "x")]  # labels kept as written


def test_text_ids(tmp_path: Path) -> None:
    checked = _checked(tmp_path, "id,product,event\nR-1,a,x\n12.5,a,y\n")
    assert not checked.integer_id
    assert checked.relation.project("report_id").order("1").fetchall() == [("12.5",), ("R-1",)]


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
    with pytest.raises(AnalysisInputError, match=re.escape(message)):
        _checked(tmp_path, content)


def test_a_tsv_is_read_with_tabs(tmp_path: Path) -> None:
    checked = _checked(tmp_path, "id\tproduct\tevent\n1\ta,b\tx\n", name="in.tsv")
    assert checked.relation.project("product").fetchall() == [("a,b",)]


def test_a_decimal_text_id_in_parquet_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pd.DataFrame({"id": ["1", "1.5"], "product": ["a", "b"], "event": ["x", "x"]}).to_parquet(path)
    with pytest.raises(AnalysisInputError, match=r"decimal value .1\.5."):
        read_long_table(duckdb.connect(), path, LongColumns())
