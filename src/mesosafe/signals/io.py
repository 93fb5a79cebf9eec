"""Reading long report tables (CSV, Parquet, pandas, DuckDB relations) into the ``long_rows`` view.

Column contract of the long table: one row per (report id, product, event), plus optional stratum
columns (for example sex or age group, already categorised). The report id is an integer or a string;
product and event are strings or integers; stratum columns are scalar values with at most
``max_levels`` distinct values each. No value of id, product or event may be missing.
"""

from __future__ import annotations

import os
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


def read_file(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation over a CSV or Parquet file (not yet read)."""
    import duckdb

    kind = input_format(path)
    reader = "read_parquet" if kind == "parquet" else "read_csv"
    try:
        relation = con.sql(f"SELECT * FROM {reader}({_sql_string(str(path))})")
        relation.columns  # noqa: B018 - forces the header/schema to be read now
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise SignalsInputError(f"cannot read {str(path)!r} as {kind}: {first_line}") from exc
    return relation


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


def stratum_expression(strata: Sequence[str], quote_name: Any = quote) -> str:
    """One text stratum key from the stratum columns (a constant when there are none)."""
    if not strata:
        return "'all'"
    cells = [f"COALESCE(CAST({quote_name(s)} AS STRING), '(missing)')" for s in strata]
    return cells[0] if len(cells) == 1 else "CONCAT_WS('|', " + ", ".join(cells) + ")"


def long_rows_select(columns: LongColumns, quote_name: Any = quote) -> str:
    """Projection of a source onto (report_id, product, event, stratum); valid DuckDB and Spark SQL."""
    return (
        f"SELECT {quote_name(columns.id)} AS report_id, "
        f"CAST({quote_name(columns.product)} AS STRING) AS product, "
        f"CAST({quote_name(columns.event)} AS STRING) AS event, "
        f"{stratum_expression(columns.strata, quote_name)} AS stratum"
    )


def register_long_rows(
    con: duckdb.DuckDBPyConnection,
    relation: duckdb.DuckDBPyRelation,
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
) -> int:
    """Validate a relation and expose it as the ``long_rows`` view; returns the row count."""
    check_columns(relation, columns)
    rows = check_values(relation, columns, max_levels)
    relation.create_view("long_source", replace=True)
    con.execute(f"CREATE OR REPLACE TEMP VIEW long_rows AS {long_rows_select(columns)} FROM long_source")
    return rows


def register_frame(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
) -> int:
    """The same as :func:`register_long_rows` for a pandas DataFrame of long rows."""
    con.register("long_frame", frame)
    return register_long_rows(con, con.table("long_frame"), columns, max_levels)


def spark_long_rows(spark: Any, path: str | os.PathLike[str], columns: LongColumns) -> None:
    """Load a (validated) file into Spark as the ``long_rows`` temporary view."""
    kind = input_format(path)
    reader = spark.read
    frame = (
        reader.parquet(str(path))
        if kind == "parquet"
        else reader.option("header", True).option("inferSchema", True).csv(str(path))
    )
    frame.createOrReplaceTempView("long_source")
    backtick = lambda name: "`" + name.replace("`", "``") + "`"  # noqa: E731
    spark.sql(f"{long_rows_select(columns, backtick)} FROM long_source").createOrReplaceTempView("long_rows")
