"""Finding the row an input error is in.

The checks run in SQL over the whole input; only when one fails is the source scanned again here, in
order, to name the first row with the problem. Rows are counted from 1 after the header (a CSV's row R is
on line R + 1), in the order of the file or DataFrame; a DuckDB relation given from Python is counted in
the order DuckDB returns it.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesosafe.disproportionality.files import csv_header, delimiter, quote, text_lines
from mesosafe.lib.analysis_input import input_format

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

Row = dict[str, Any]


@dataclass(frozen=True)
class Origin:
    """Where a long table's rows came from: one of a file, a DataFrame or a DuckDB relation."""

    path: Path | None = None
    frame: pd.DataFrame | None = None
    relation: duckdb.DuckDBPyRelation | None = None


def _csv_rows(path: Path, names: list[str]) -> Iterator[Row]:
    header = csv_header(path)
    lines = text_lines(path)
    try:
        reader = csv.reader(lines, delimiter=delimiter(path))
        next(reader, None)
        for fields in reader:
            row = dict(zip(header, fields, strict=False))
            yield {name: (row.get(name) or None) for name in names}  # an empty field is missing
    finally:
        lines.close()


def _parquet_rows(path: Path, names: list[str]) -> Iterator[Row]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(columns=names):
        yield from batch.to_pylist()


def _relation_rows(relation: duckdb.DuckDBPyRelation, names: list[str]) -> Iterator[Row]:
    reader = relation.project(", ".join(quote(n) for n in names)).to_arrow_reader(65536)
    for batch in reader:
        yield from batch.to_pylist()


def source_rows(origin: Origin, names: list[str]) -> Iterator[Row]:
    """The named columns of every row, in order."""
    if origin.frame is not None:
        for record in origin.frame[names].to_dict("records"):
            yield {str(k): v for k, v in record.items()}
    elif origin.path is not None:
        path = Path(origin.path)
        yield from (_parquet_rows if input_format(path) == "parquet" else _csv_rows)(path, names)
    elif origin.relation is not None:
        yield from _relation_rows(origin.relation, names)


def first_row(origin: Origin, names: list[str], test: Callable[[Row], bool]) -> tuple[int, Row] | None:
    """The first row (counted from 1) passing ``test``, with its values; None if there is none."""
    for number, row in enumerate(source_rows(origin, names), start=1):
        if test(row):
            return number, row
    return None


def file_origin(path: str | os.PathLike[str]) -> Origin:
    return Origin(path=Path(path))
