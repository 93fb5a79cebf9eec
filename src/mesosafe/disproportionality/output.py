"""Writing results atomically: a temporary file beside the target, renamed only on success."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from mesosafe.csvsafe import FORMULA_PATTERN
from mesosafe.lib.analysis_input import AnalysisInputError

TABLE_SUFFIXES = (".csv", ".parquet")


def check_output_path(
    path: str | os.PathLike[str], suffixes: tuple[str, ...] | None = TABLE_SUFFIXES
) -> Path:
    """The parent directory exists and the suffix is one we write; checked before any work is done."""
    target = Path(path)
    if suffixes and target.suffix.lower() not in suffixes:
        raise AnalysisInputError(f"output file {str(target)!r} must end in {' or '.join(suffixes)}")
    if not target.parent.is_dir():
        raise AnalysisInputError(f"output directory {str(target.parent)!r} does not exist")
    if target.is_dir():
        raise AnalysisInputError(f"output {str(target)!r} is a directory")
    return target


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; rename it onto the target if no error occurs."""
    target = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    os.chmod(temp, 0o644)
    try:
        yield Path(temp)
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def csv_safe(table: pa.Table) -> pa.Table:
    """The table with each text cell that starts like a formula prefixed with ' (mesosafe.csvsafe), column by
    column in Arrow; numeric columns are untouched (a negative IC stays a number)."""
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            formula = pc.fill_null(pc.match_substring_regex(column, FORMULA_PATTERN), False)
            column = pc.if_else(
                formula,
                pc.binary_join_element_wise(pa.scalar("'", column.type), column, pa.scalar("", column.type)),
                column,
            )
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def write_csv(table: pa.Table, sink: Any) -> None:
    """Every CSV of the analysis (files and stdout) is written here, formula-looking cells escaped."""
    import pyarrow.csv as pacsv

    pacsv.write_csv(csv_safe(table), sink)


def write_table(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """CSV or Parquet by suffix; floating point values are written at full (round-trip) precision."""
    import pyarrow.parquet as pq

    with atomic_path(path) as temp:
        if Path(path).suffix.lower() == ".parquet":
            pq.write_table(table, temp)
        else:
            write_csv(table, temp)


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    with atomic_path(path) as temp:
        temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_text(text: str, path: str | os.PathLike[str]) -> None:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
