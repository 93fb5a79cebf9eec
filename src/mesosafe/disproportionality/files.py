"""Reading a CSV or Parquet file into DuckDB, with one clear error for a file that cannot be read.

A CSV file is read with its header's column names and every column as text (RFC 4180: ``,`` or, for
``.tsv``, a tab; ``"`` quotes; UTF-8), parsed once in full into a temporary table, so a bad row anywhere in
the file is found here with its line number and nothing depends on a sample of the first rows.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import os
import re
import uuid
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesosafe.lib.analysis_input import AnalysisInputError, input_format

if TYPE_CHECKING:
    import duckdb


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote(name: str) -> str:
    """A DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def backtick(name: str) -> str:
    """A Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def temporary_name(prefix: str) -> str:
    """A name no other step uses, for a table or view that lives only inside one step."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def delimiter(path: str | os.PathLike[str]) -> str:
    return "\t" if Path(path).name.lower().removesuffix(".gz").endswith(".tsv") else ","


def text_lines(path: str | os.PathLike[str]) -> Generator[str, None, None]:
    """The lines of a UTF-8 text file (``.gz`` allowed, a BOM skipped), decoded one at a time so that a byte
    that is not UTF-8 is named with its line, not with a position in a buffer."""
    file = Path(path)
    opener: Any = gzip.open if file.name.lower().endswith(".gz") else open
    with opener(file, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield (raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise AnalysisInputError(
                    f"{str(file)!r} is not UTF-8 text (line {number}, byte {exc.start + 1} of the line)"
                ) from None


def csv_header(path: str | os.PathLike[str]) -> list[str]:
    """The column names on the first line of a CSV file (an empty name becomes ``column<i>``)."""
    file = Path(path)
    lines = text_lines(file)
    try:
        header = next(csv.reader(lines, delimiter=delimiter(file)), None)
    except (csv.Error, OSError, EOFError) as exc:
        raise AnalysisInputError(f"cannot read the header line of {str(file)!r}: {exc}") from exc
    finally:
        lines.close()
    return header_names(header, file)


def header_names(header: list[str] | None, path: str | os.PathLike[str]) -> list[str]:
    """The column names of a CSV header's fields (an empty name becomes ``column<i>``)."""
    if not header:
        raise AnalysisInputError(f"input file {str(path)!r} has no header line")
    names = [(name or "").strip() or f"column{i}" for i, name in enumerate(header)]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise AnalysisInputError(f"the header of {str(path)!r} names column {duplicated[0]!r} twice")
    return names


def csv_error(path: str | os.PathLike[str], exc: Exception) -> AnalysisInputError:
    """One clear line for a CSV that DuckDB could not parse (ragged rows, bad bytes)."""
    text = str(exc)
    where = re.search(r"CSV Error on Line: (\d+)", text)
    line = f"line {where.group(1)}" if where else "a line"
    ragged = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if ragged:
        return AnalysisInputError(
            f"the rows of {str(path)!r} do not have a consistent number of columns: {line} has "
            f"{ragged.group(2)} fields, the header has {ragged.group(1)}"
        )
    if "unicode" in text.lower() or "utf-8" in text.lower():
        return AnalysisInputError(f"{str(path)!r} is not UTF-8 text ({line})")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return AnalysisInputError(f"cannot read {str(path)!r} as csv: {first}")


def _csv_sql(path: str | os.PathLike[str], names: list[str]) -> str:
    columns = "{" + ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in names) + "}"
    return (
        f"read_csv({sql_string(str(path))}, header = true, auto_detect = false, "
        f"delim = {sql_string(delimiter(path))}, quote = '\"', escape = '\"', columns = {columns})"
    )


def read_file(
    con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], keep: Sequence[str] | None = None
) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation over a CSV or Parquet file.

    A Parquet file is not read yet. A CSV file is parsed once, every column as text, into a temporary
    table (so a bad row anywhere in the file is found here, with its line number); when every column named
    in ``keep`` is in its header, only those are kept (every line is still parsed and checked in full).
    """
    import duckdb

    kind = input_format(path)
    if kind == "parquet":
        try:
            relation = con.sql(f"SELECT * FROM read_parquet({sql_string(str(path))})")
            relation.columns  # noqa: B018 - forces the header/schema to be read now
            return relation
        except duckdb.Error as exc:
            first_line = str(exc).strip().splitlines()[0]
            raise AnalysisInputError(f"cannot read {str(path)!r} as {kind}: {first_line}") from exc
    names = csv_header(path)
    table = temporary_name("csv_source")
    kept = list(dict.fromkeys(keep)) if keep and set(keep) <= set(names) else None
    selected = ", ".join(quote(name) for name in kept) if kept else "*"
    try:
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT {selected} FROM {_csv_sql(path, names)}")
    except duckdb.Error as exc:
        raise csv_error(path, exc) from exc
    return con.table(table)
