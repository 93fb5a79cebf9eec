from __future__ import annotations

import gzip
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mesosafe.disproportionality.files import csv_header, read_file
from mesosafe.lib.analysis_input import AnalysisInputError


def test_the_header_names_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("\ufeffid, drug ,\n1,a,x\n")  # a byte-order mark and an empty name
    assert csv_header(path) == ["id", "drug", "column2"]


def test_a_gzipped_csv_is_read_whole_as_text(tmp_path: Path) -> None:
    path = tmp_path / "in.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("id,product\n007,a\n8,b\n")
    relation = read_file(duckdb.connect(), path)
    assert relation.types == ["VARCHAR", "VARCHAR"]
    assert sorted(relation.fetchall()) == [("007", "a"), ("8", "b")]


def test_a_parquet_file_keeps_its_types(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    pd.DataFrame({"id": [1, 2], "product": ["a", "b"]}).to_parquet(path)
    assert [str(t) for t in read_file(duckdb.connect(), path).types] == ["BIGINT", "VARCHAR"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"id,product,id\n1,a,x\n", "names column 'id' twice"),
        (b"id,product,event\n1,a\n", "line 2 has 2 fields, the header has 3"),
        (b"id,product\n" + b"1,a\n" * 5000 + b"2,\xff\n", "is not UTF-8 text (line 5002)"),
    ],
)
def test_a_bad_csv_is_one_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    with pytest.raises(AnalysisInputError, match=re.escape(message)):
        read_file(duckdb.connect(), path)


def test_a_file_that_is_not_parquet_says_so(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    path.write_text("id,product\n")
    with pytest.raises(AnalysisInputError, match="as parquet"):
        read_file(duckdb.connect(), path)
