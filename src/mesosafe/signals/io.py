"""Reading long report tables (CSV, Parquet, pandas, DuckDB relations) into the ``long_rows`` view.

Column contract of the long table: one row per (report id, product, event), plus optional stratum
columns (for example sex or age group, already categorised). The report id is an integer or a string;
product and event are strings or integers; stratum columns are scalar values with at most
``max_levels`` distinct values each. No value of id, product or event may be missing.

A CSV file is read with its header's column names and every column as text (RFC 4180: ``,`` or, for
``.tsv``, a tab; ``"`` quotes), so nothing depends on a sample of the first rows. A text id column whose
values are all whole numbers is used as integers; one whose values are all numbers but not all whole
(``12.5``) is an error; any other text column is used as text ids.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesosafe.signals.errors import SignalsInputError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

MAX_STRATUM_LEVELS = 10  # openEBGM's max_cats: guards against an uncategorised continuous variable
SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}
INTEGER_TEXT = r"\s*[+-]?[0-9]+\s*"
NUMBER_TEXT = r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*"


@dataclass(frozen=True)
class LongColumns:
    id: str = "id"
    product: str = "product"
    event: str = "event"
    strata: tuple[str, ...] = field(default_factory=tuple)

    def all(self) -> tuple[str, ...]:
        return (self.id, self.product, self.event, *self.strata)


def input_format(path: str | os.PathLike[str]) -> str:
    """'csv' or 'parquet' for an existing, non-empty file; SignalsInputError otherwise."""
    file = Path(path)
    if not file.exists():
        raise SignalsInputError(f"input file {str(file)!r} does not exist")
    if file.is_dir():
        raise SignalsInputError(f"input {str(file)!r} is a directory, not a file")
    name = file.name.lower().removesuffix(".gz")
    kind = next((v for k, v in SUFFIXES.items() if name.endswith(k)), None)
    if kind is None:
        raise SignalsInputError(f"input file {str(file)!r} must be .csv or .parquet")
    if file.stat().st_size == 0:
        raise SignalsInputError(f"input file {str(file)!r} is empty")
    return kind


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _delimiter(path: str | os.PathLike[str]) -> str:
    return "\t" if Path(path).name.lower().removesuffix(".gz").endswith(".tsv") else ","


def csv_header(path: str | os.PathLike[str]) -> list[str]:
    """The column names on the first line of a CSV file (an empty name becomes ``column<i>``)."""
    file = Path(path)
    opener: Any = gzip.open if file.name.lower().endswith(".gz") else open
    try:
        with opener(file, "rt", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle, delimiter=_delimiter(file)), None)
    except (UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
        raise SignalsInputError(f"cannot read the header line of {str(file)!r}: {exc}") from exc
    if not header:
        raise SignalsInputError(f"input file {str(file)!r} has no header line")
    names = [name.strip() or f"column{i}" for i, name in enumerate(header)]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise SignalsInputError(f"the header of {str(file)!r} names column {duplicated[0]!r} twice")
    return names


def csv_error(path: str | os.PathLike[str], exc: Exception) -> SignalsInputError:
    """One clear line for a CSV that DuckDB could not parse (ragged rows, bad bytes)."""
    text = str(exc)
    where = re.search(r"CSV Error on Line: (\d+)", text)
    line = f"line {where.group(1)}" if where else "a line"
    ragged = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if ragged:
        return SignalsInputError(
            f"the rows of {str(path)!r} do not have a consistent number of columns: {line} has "
            f"{ragged.group(2)} fields, the header has {ragged.group(1)}"
        )
    if "unicode" in text.lower() or "utf-8" in text.lower():
        return SignalsInputError(f"{str(path)!r} is not UTF-8 text ({line})")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return SignalsInputError(f"cannot read {str(path)!r} as csv: {first}")


def _csv_sql(path: str | os.PathLike[str], names: list[str]) -> str:
    columns = "{" + ", ".join(f"{_sql_string(name)}: 'VARCHAR'" for name in names) + "}"
    return (
        f"read_csv({_sql_string(str(path))}, header = true, auto_detect = false, "
        f"delim = {_sql_string(_delimiter(path))}, quote = '\"', escape = '\"', columns = {columns})"
    )


def read_file(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation over a CSV or Parquet file.

    A Parquet file is not read yet. A CSV file is parsed once, every column as text, into a temporary
    table (so a bad row anywhere in the file is found here, with its line number).
    """
    import duckdb

    kind = input_format(path)
    try:
        if kind == "parquet":
            relation = con.sql(f"SELECT * FROM read_parquet({_sql_string(str(path))})")
            relation.columns  # noqa: B018 - forces the header/schema to be read now
            return relation
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise SignalsInputError(f"cannot read {str(path)!r} as {kind}: {first_line}") from exc
    names = csv_header(path)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE csv_source AS SELECT * FROM {_csv_sql(path, names)}")
    except duckdb.Error as exc:
        raise csv_error(path, exc) from exc
    return con.table("csv_source")


def _type_family(duck_type: str) -> str:
    upper = duck_type.upper()
    if any(token in upper for token in ("[]", "STRUCT", "MAP", "UNION", "LIST")):
        return "nested"
    if upper in {"VARCHAR", "STRING"} or upper.startswith("ENUM"):
        return "string"
    if upper in {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
    }:
        return "integer"
    if upper == "BOOLEAN":
        return "boolean"
    return "other"


def check_columns(relation: duckdb.DuckDBPyRelation, columns: LongColumns) -> None:
    """Every named column exists and has a usable type."""
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    for role, name in (("--id", columns.id), ("--product", columns.product), ("--event", columns.event)):
        if name not in types:
            raise SignalsInputError(f"column {name!r} ({role}) not found; columns are: {', '.join(types)}")
        if _type_family(types[name]) not in {"string", "integer"}:
            raise SignalsInputError(
                f"column {name!r} ({role}) has type {types[name]}; expected text or whole numbers"
            )
    for name in columns.strata:
        if name not in types:
            raise SignalsInputError(f"stratum column {name!r} not found; columns are: {', '.join(types)}")
        if _type_family(types[name]) == "nested":
            raise SignalsInputError(f"stratum column {name!r} has type {types[name]}; expected scalar values")


def check_values(
    relation: duckdb.DuckDBPyRelation, columns: LongColumns, max_levels: int = MAX_STRATUM_LEVELS
) -> int:
    """Rows present, no missing id/product/event, stratum columns small; returns the row count."""
    required = (columns.id, columns.product, columns.event)
    parts = ["COUNT(*)"] + [f"COUNT(*) - COUNT({quote(c)})" for c in required]
    parts += [f"APPROX_COUNT_DISTINCT({quote(s)})" for s in columns.strata]
    row = relation.aggregate(", ".join(parts)).fetchall()[0]
    rows, missing, levels = int(row[0]), row[1:4], row[4:]
    if rows == 0:
        raise SignalsInputError("input has no data rows")
    for name, count in zip(required, missing, strict=True):
        if count:
            raise SignalsInputError(f"column {name!r} has {count} missing values")
    for name, approx in zip(columns.strata, levels, strict=True):
        if approx > max_levels:  # the approximate count is only a pre-filter; confirm exactly
            exact = relation.aggregate(f"COUNT(DISTINCT {quote(name)})").fetchall()[0]
            if exact[0] > max_levels:
                raise SignalsInputError(
                    f"stratum column {name!r} has {exact[0]} levels (at most {max_levels}); "
                    "categorise it first"
                )
    return rows


def integer_ids(relation: duckdb.DuckDBPyRelation, name: str) -> bool:
    """Whether the report ids are integers; a text column of numbers that are not all whole is an error."""
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    if _type_family(types[name]) == "integer":
        return True
    column = f"CAST({quote(name)} AS VARCHAR)"
    not_integer = f"NOT regexp_full_match({column}, {_sql_string(INTEGER_TEXT)})"
    not_number = f"NOT regexp_full_match({column}, {_sql_string(NUMBER_TEXT)})"
    row = relation.aggregate(
        f"COUNT(*) FILTER (WHERE {not_integer}), COUNT(*) FILTER (WHERE {not_number}), "
        f"ANY_VALUE({column}) FILTER (WHERE {not_integer}), "
        f"COUNT(*) FILTER (WHERE NOT {not_integer} AND TRY_CAST(TRIM({column}) AS BIGINT) IS NULL)"
    ).fetchall()[0]
    non_integers, non_numbers, example, too_large = row
    if non_integers and not non_numbers:
        raise SignalsInputError(
            f"column {name!r} (--id) has a decimal value {example!r}; "
            "report ids must be whole numbers or text"
        )
    if not non_integers and too_large:
        raise SignalsInputError(f"column {name!r} (--id) has whole numbers beyond the 64-bit integer range")
    return not non_integers


def stratum_expression(strata: Sequence[str], quote_name: Any = quote) -> str:
    """One text stratum key from the stratum columns (a constant when there are none)."""
    if not strata:
        return "'all'"
    cells = [f"COALESCE(CAST({quote_name(s)} AS STRING), '(missing)')" for s in strata]
    return cells[0] if len(cells) == 1 else "CONCAT_WS('|', " + ", ".join(cells) + ")"


def long_rows_select(columns: LongColumns, quote_name: Any = quote, integer_id: bool = False) -> str:
    """Projection of a source onto (report_id, product, event, stratum); valid DuckDB and Spark SQL."""
    report_id = (
        f"CAST(TRIM(CAST({quote_name(columns.id)} AS STRING)) AS BIGINT)"
        if integer_id
        else quote_name(columns.id)
    )
    return (
        f"SELECT {report_id} AS report_id, "
        f"CAST({quote_name(columns.product)} AS STRING) AS product, "
        f"CAST({quote_name(columns.event)} AS STRING) AS event, "
        f"{stratum_expression(columns.strata, quote_name)} AS stratum"
    )


@dataclass(frozen=True)
class CheckedInput:
    rows: int
    integer_id: bool  # report ids are compared as integers (a text id column of whole numbers)


def register_long_rows(
    con: duckdb.DuckDBPyConnection,
    relation: duckdb.DuckDBPyRelation,
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
) -> CheckedInput:
    """Validate a relation and expose it as the ``long_rows`` view."""
    check_columns(relation, columns)
    rows = check_values(relation, columns, max_levels)
    integer_id = integer_ids(relation, columns.id)
    relation.create_view("long_source", replace=True)
    select = long_rows_select(columns, integer_id=integer_id)
    con.execute(f"CREATE OR REPLACE TEMP VIEW long_rows AS {select} FROM long_source")
    return CheckedInput(rows, integer_id)


def register_frame(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
) -> CheckedInput:
    """The same as :func:`register_long_rows` for a pandas DataFrame of long rows."""
    con.register("long_frame", frame)
    return register_long_rows(con, con.table("long_frame"), columns, max_levels)


def spark_long_rows(
    spark: Any, path: str | os.PathLike[str], columns: LongColumns, integer_id: bool = False
) -> None:
    """Load a (validated) file into Spark as the ``long_rows`` temporary view (CSV columns as text, as
    DuckDB reads them; ``integer_id`` from :func:`register_long_rows`)."""
    kind = input_format(path)
    if kind == "parquet":
        frame = spark.read.parquet(str(path))
    else:
        frame = (
            spark.read.option("header", True)
            .option("inferSchema", False)
            .option("sep", _delimiter(path))
            .option("quote", '"')
            .option("escape", '"')
            .option("encoding", "UTF-8")
            .csv(str(path))
            .toDF(*csv_header(path))
        )
    frame.createOrReplaceTempView("long_source")
    backtick = lambda name: "`" + name.replace("`", "``") + "`"  # noqa: E731
    select = long_rows_select(columns, backtick, integer_id)
    spark.sql(f"{select} FROM long_source").createOrReplaceTempView("long_rows")
