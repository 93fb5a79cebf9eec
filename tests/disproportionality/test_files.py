from __future__ import annotations

import gzip
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mesosafe.disproportionality.files import csv_header, read_file, text_lines
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


@pytest.mark.parametrize("name", ["in.csv", "in.csv.gz"])
def test_a_bad_byte_after_the_header_is_not_blamed_on_the_header(tmp_path: Path, name: str) -> None:
    path = tmp_path / name

    def write(content: bytes) -> None:
        path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)

    write(b"\xef\xbb\xbfid,product\n1,a\n2,\xe9b\n")  # a BOM, and Latin-1 on line 3
    assert csv_header(path) == ["id", "product"]
    write(b"id,pr\xe9duct\n1,a\n")
    with pytest.raises(AnalysisInputError, match=re.escape("is not UTF-8 text (line 1, byte 6 of the line)")):
        csv_header(path)


def test_text_lines_name_the_line_of_a_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,product\n1,a\n2,\xe9b\n")
    lines = text_lines(path)
    assert [next(lines), next(lines)] == ["id,product\n", "1,a\n"]
    with pytest.raises(AnalysisInputError, match=re.escape("'" + str(path) + "' is not UTF-8 text (line 3,")):
        next(lines)
