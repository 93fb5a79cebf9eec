"""The first step: a source (file, DataFrame, DuckDB relation) checked and projected onto the long table.

The long table is what the counting step takes, whatever the source format: one row per (report id,
product, event), with the report's stratum. Its columns are ``report_id`` (integer or text), ``product``,
``event`` and ``stratum`` (text). A reader for another report format only has to produce it.

Column contract of a source: the report id is an integer or a string; product and event are strings or
integers; stratum columns are scalar values with at most ``max_levels`` distinct values each. No value of
id, product or event may be missing. A text id column whose values are all whole numbers is used as
integers; one whose values are all numbers but not all whole (``12.5``) is an error; any other text column
is used as text ids.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mesosafe.disproportionality.files import quote, read_file, sql_string
from mesosafe.lib.analysis_input import AnalysisInputError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

MAX_STRATUM_LEVELS = 10  # openEBGM's max_cats: guards against an uncategorised continuous variable
INTEGER_TEXT = r"\s*[+-]?[0-9]+\s*"
NUMBER_TEXT = r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*"
LONG_COLUMNS = ("report_id", "product", "event", "stratum")


@dataclass(frozen=True)
class LongColumns:
    """The source's column names for the report id, product, event and strata."""

    id: str = "id"
    product: str = "product"
    event: str = "event"
    strata: tuple[str, ...] = field(default_factory=tuple)

    def all(self) -> tuple[str, ...]:
        return (self.id, self.product, self.event, *self.strata)


@dataclass(frozen=True)
class LongTable:
    """The counting step's input: a DuckDB relation with the columns of :data:`LONG_COLUMNS`."""

    relation: duckdb.DuckDBPyRelation
    connection: duckdb.DuckDBPyConnection
    rows: int
    integer_id: bool  # report ids are compared as integers (a text id column of whole numbers)
    stratified: bool


def _type_family(duck_type: str) -> str:
    upper = duck_type.upper()
    if any(token in upper for token in ("[]", "STRUCT", "MAP", "UNION", "LIST")):
        return "nested"
    if upper in {"VARCHAR", "STRING"} or upper.startswith("ENUM"):
        return "string"
    integers = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    if upper in integers or upper.removeprefix("U") in integers:
        return "integer"
    if upper == "BOOLEAN":
        return "boolean"
    return "other"


def check_columns(relation: duckdb.DuckDBPyRelation, columns: LongColumns) -> None:
    """Every named column exists and has a usable type."""
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    for role, name in (("--id", columns.id), ("--product", columns.product), ("--event", columns.event)):
        if name not in types:
            raise AnalysisInputError(f"column {name!r} ({role}) not found; columns are: {', '.join(types)}")
        if _type_family(types[name]) not in {"string", "integer"}:
            raise AnalysisInputError(
                f"column {name!r} ({role}) has type {types[name]}; expected text or whole numbers"
            )
    for name in columns.strata:
        if name not in types:
            raise AnalysisInputError(f"stratum column {name!r} not found; columns are: {', '.join(types)}")
        if _type_family(types[name]) == "nested":
            raise AnalysisInputError(
                f"stratum column {name!r} has type {types[name]}; expected scalar values"
            )


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
        raise AnalysisInputError("input has no data rows")
    for name, count in zip(required, missing, strict=True):
        if count:
            raise AnalysisInputError(f"column {name!r} has {count} missing values")
    for name, approx in zip(columns.strata, levels, strict=True):
        if approx > max_levels:  # the approximate count is only a pre-filter; confirm exactly
            exact = relation.aggregate(f"COUNT(DISTINCT {quote(name)})").fetchall()[0]
            if exact[0] > max_levels:
                raise AnalysisInputError(
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
    not_integer = f"NOT regexp_full_match({column}, {sql_string(INTEGER_TEXT)})"
    not_number = f"NOT regexp_full_match({column}, {sql_string(NUMBER_TEXT)})"
    row = relation.aggregate(
        f"COUNT(*) FILTER (WHERE {not_integer}), COUNT(*) FILTER (WHERE {not_number}), "
        f"ANY_VALUE({column}) FILTER (WHERE {not_integer}), "
        f"COUNT(*) FILTER (WHERE NOT {not_integer} AND TRY_CAST(TRIM({column}) AS BIGINT) IS NULL)"
    ).fetchall()[0]
    non_integers, non_numbers, example, too_large = row
    if non_integers and not non_numbers:
        raise AnalysisInputError(
            f"column {name!r} (--id) has a decimal value {example!r}; "
            "report ids must be whole numbers or text"
        )
    if not non_integers and too_large:
        raise AnalysisInputError(f"column {name!r} (--id) has whole numbers beyond the 64-bit integer range")
    return not non_integers


def stratum_expression(strata: Sequence[str], quote_name: Callable[[str], str] = quote) -> str:
    """One text stratum key from the stratum columns (a constant when there are none)."""
    if not strata:
        return "'all'"
    cells = [f"COALESCE(CAST({quote_name(s)} AS STRING), '(missing)')" for s in strata]
    return cells[0] if len(cells) == 1 else "CONCAT_WS('|', " + ", ".join(cells) + ")"


def long_expressions(
    columns: LongColumns, quote_name: Callable[[str], str] = quote, integer_id: bool = False
) -> list[str]:
    """The projection of a source onto the long table's columns; valid DuckDB and Spark SQL."""
    report_id = (
        f"CAST(TRIM(CAST({quote_name(columns.id)} AS STRING)) AS BIGINT)"
        if integer_id
        else quote_name(columns.id)
    )
    return [
        f"{report_id} AS report_id",
        f"CAST({quote_name(columns.product)} AS STRING) AS product",
        f"CAST({quote_name(columns.event)} AS STRING) AS event",
        f"{stratum_expression(columns.strata, quote_name)} AS stratum",
    ]


def long_table(
    con: duckdb.DuckDBPyConnection,
    relation: duckdb.DuckDBPyRelation,
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
) -> LongTable:
    """Check a relation of ``con`` against the column contract and project it onto the long table."""
    check_columns(relation, columns)
    rows = check_values(relation, columns, max_levels)
    integer_id = integer_ids(relation, columns.id)
    projected = relation.project(", ".join(long_expressions(columns, integer_id=integer_id)))
    return LongTable(projected, con, rows, integer_id, bool(columns.strata))


def read_long_table(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike[str],
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
) -> LongTable:
    """Read a CSV or Parquet file into the long table."""
    return long_table(con, read_file(con, path), columns, max_levels)


def frame_long_table(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
) -> LongTable:
    """The long table of a pandas DataFrame."""
    return long_table(con, con.from_df(frame), columns, max_levels)
