from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.reading import LongTable, frame_long_table, read_long_table
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


# --- each report keeps one stratum and one date; a blank value is named by its row and report ------------


def _csv(tmp_path: Path, text: str, columns: LongColumns) -> LongTable:
    path = tmp_path / "in.csv"
    path.write_text(text)
    return read_long_table(duckdb.connect(), path, columns)


SEX = LongColumns("id", "product", "event", ("sex",))


@pytest.mark.parametrize(
    ("text", "columns", "message"),
    [
        (
            "id,product,event,sex\n1,a,x,F\n2,a,x,M\n1,b,y,M\n",
            SEX,
            "report 1 has two values in the strata sex: 'F' in row 1 and 'M' in row 3",
        ),
        (
            "id,product,event,sex\n1,a,x,F\n2,a,x,\n",
            SEX,
            "column 'sex' (--strata) is blank in row 2 (report 2)",
        ),
        (
            "id,product,event,sex\n1,a,x,F\n2,a,x,   \n",
            SEX,
            "column 'sex' (--strata) is blank in row 2 (report 2)",
        ),
        (
            "id,product,event\n1,a,x\n7,,x\n",
            LongColumns(),
            "column 'product' (--product) is blank in row 2 (report 7)",
        ),
        (
            "id,product,event\n1,a,x\n7,' ',x\n".replace("'", '"'),
            LongColumns(),
            "is blank in row 2 (report 7)",
        ),
        ("id,product,event\n1,a,x\n,a,y\n", LongColumns(), "column 'id' (--id) is blank in row 2"),
        (
            "id,product,event\n1,a,x\n2,b,\n",
            LongColumns(),
            "column 'event' (--event) is blank in row 2 (report 2)",
        ),
        (
            "id,product,event,day\n1,a,x,2024-01-05\n1,b,x,2024-01-06\n",
            LongColumns(date="day"),
            "report 1 has two values in column 'day' (--date): '2024-01-05' in row 1 and '2024-01-06' in row "
            "2",
        ),
        (
            "id,product,event,day\n1,a,x,2024-01-05\n2,b,x,5/1/2024\n",
            LongColumns(date="day"),
            "column 'day' (--date) in row 2 (report 2) has '5/1/2024', which is not a date (YYYY-MM-DD)",
        ),
        (
            "id,product,event,day\n1,a,x,2024-01-05\n2,b,x,1600-01-01\n",
            LongColumns(date="day"),
            "in row 2 (report 2) has '1600-01-01', which is outside the years 1678–2261",
        ),
        (
            "id,product,event,day\n1,a,x,0001-01-01\n2,b,x,2024-01-01\n",
            LongColumns(date="day"),
            "in row 1 (report 1) has '0001-01-01', which is outside the years 1678–2261",
        ),
        (
            "id,product,event,day\n1,a,x,2262-01-01\n",
            LongColumns(date="day"),
            "has '2262-01-01', which is outside the years 1678–2261",
        ),
    ],
)
def test_each_report_is_checked_and_errors_name_the_row(
    tmp_path: Path, text: str, columns: LongColumns, message: str
) -> None:
    with pytest.raises(AnalysisInputError, match=re.escape(message)):
        _csv(tmp_path, text, columns)


def test_a_frame_and_a_parquet_file_name_rows_too(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"id": ["r1", "r2", "r1"], "product": ["a", "b", "c"], "event": "x", "sex": ["F", "F", "M"]}
    )
    with pytest.raises(
        AnalysisInputError,
        match=re.escape("report r1 has two values in the strata sex: 'F' in row 1 and 'M' in row 3"),
    ):
        frame_long_table(duckdb.connect(), frame, SEX)
    frame.loc[1, "product"] = None
    path = tmp_path / "in.parquet"
    frame.to_parquet(path)
    with pytest.raises(
        AnalysisInputError, match=re.escape("column 'product' (--product) is blank in row 2 (report r2)")
    ):
        read_long_table(duckdb.connect(), path, SEX)


def test_whole_number_ids_are_one_report_however_written(tmp_path: Path) -> None:
    long = _csv(tmp_path, 'id,product,event,sex\n1,a,x,F\n" 01",b,y,F\n2,a,x,M\n', SEX)
    assert long.stratified and long.integer_id  # report 1 is " 01" too: one stratum, no error


def test_a_date_column_gives_each_report_its_date_and_snapshots(tmp_path: Path) -> None:
    long = _csv(
        tmp_path, "id,product,event,day\n1,a,x,2024-01-05\n2,b,x, 2024-04-01 \n", LongColumns(date="day")
    )
    assert long.dated and long.relation.columns[-1] == "report_date"
    from datetime import date

    assert long.until(date(2024, 3, 31)).relation.project("report_id").fetchall() == [(1,)]


def test_names_are_coded_in_the_reading_step(tmp_path: Path) -> None:
    long = _csv(tmp_path, "id,product,event\n1,Aspirin ,x\n2,aspirin,X\n", LongColumns())
    assert long.labels.products.names.column("name").to_pylist() == ["aspirin"]
    assert sorted(long.labels.products.codes.column("label").to_pylist()) == ["Aspirin ", "aspirin"]
    assert long.labels.events.names.column("name").to_pylist() == ["x"]


def test_a_date_typed_column_out_of_range_names_its_row(tmp_path: Path) -> None:
    from datetime import date

    frame = pd.DataFrame(
        {"id": [1, 2], "product": "a", "event": "x", "day": [date(2024, 1, 5), date(1500, 6, 1)]}
    )
    path = tmp_path / "in.parquet"
    frame.to_parquet(path)
    with pytest.raises(
        AnalysisInputError,
        match=re.escape("column 'day' (--date) in row 2 (report 2) has '1500-06-01', which is outside"),
    ):
        read_long_table(duckdb.connect(), path, LongColumns(date="day"))
    frame.loc[1, "day"] = date(1678, 1, 1)  # the first year allowed
    frame.to_parquet(path)
    assert read_long_table(duckdb.connect(), path, LongColumns(date="day")).rows == 2


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (LongColumns(product="p", event="p"), "--product and --event both name the column 'p'"),
        (LongColumns(id="p", product="p", event="e"), "--id and --product both name the column 'p'"),
        (LongColumns(id="e", product="p", event="e"), "--id and --event both name the column 'e'"),
    ],
)
def test_the_id_product_and_event_must_be_three_columns(
    tmp_path: Path, columns: LongColumns, message: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,p,e\n1,a,x\n")
    with pytest.raises(AnalysisInputError, match=re.escape(message)):
        read_long_table(duckdb.connect(), path, columns)


@pytest.mark.parametrize(
    ("text", "columns", "message"),
    [
        (
            "id,product,event\n1,a,x\n2,b\x00c,x\n",
            LongColumns(),
            "column 'product' (--product) has a control character (U+0000) in row 2 (report 2) of ",
        ),
        ("id,product,event\n1,a,x\n2,b,y\x07\n", LongColumns(), "column 'event' (--event) has a control "),
        ("id,product,event\n1,a,x\n2\x1b,b,y\n", LongColumns(), "column 'id' (--id) has a control character"),
        ("id,product,event,sex\n1,a,x,F\n2,a,x,M\x7f\n", SEX, "column 'sex' (--strata) has a control"),
        ("id,product,event\n1,a,x\n2,b\u0085,y\n", LongColumns(), "(U+0085) in row 2 (report 2)"),
    ],
)
def test_a_control_character_in_a_value_is_refused_naming_file_row_and_column(
    tmp_path: Path, text: str, columns: LongColumns, message: str
) -> None:
    """A NUL was read, kept in the output and shown as a space; "b\\x00c" and "b c" were two products."""
    with pytest.raises(AnalysisInputError, match=re.escape(message)) as refused:
        _csv(tmp_path, text, columns)
    assert "in.csv'" in str(refused.value) and "correct the file" in str(refused.value)


def test_tabs_and_line_breaks_inside_a_quoted_value_are_not_control_characters(tmp_path: Path) -> None:
    long = _csv(tmp_path, 'id,product,event\n1,"a\tb","x\r\ny"\n', LongColumns())
    assert long.relation.project("product, event").fetchall() == [("a\tb", "x\r\ny")]


def test_a_control_character_in_a_frame_is_refused_naming_row_and_column() -> None:
    frame = pd.DataFrame({"id": ["r1", "r2"], "product": ["a", "b\x00"], "event": "x"})
    with pytest.raises(
        AnalysisInputError,
        match=re.escape(
            "column 'product' (--product) has a control character (U+0000) in row 2 (report r2);"
        ),
    ):
        frame_long_table(duckdb.connect(), frame, LongColumns())
