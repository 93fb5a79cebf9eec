"""The first step: a source (file, DataFrame, DuckDB relation) checked and projected onto the long table.

The long table is what the counting step takes, whatever the source format: one row per (report id,
product, event), with the report's stratum and, when asked for, its date. Its columns are ``report_id``
(integer or text), ``product``, ``event`` (the spellings as written), ``stratum`` (text) and
``report_date`` (a date, only with a date column), together with the code tables of the product and event
names (``labels``). A reader for another report format only has to produce it.

Column contract of a source: the report id is an integer or a string; product and event are strings or
integers; stratum columns are scalar values with at most ``max_levels`` distinct values each; the date is
an ISO date (YYYY-MM-DD) or a date column. No value of id, product, event, stratum or date may be missing
or blank or hold a control character (``checks.CONTROL_CLASS``), and a report's strata and date must be
the same on all its rows: each error names the column, the row and the report (and the file, for a control
character). A text id column whose values are all whole numbers is used as integers; one whose values are
all numbers but not all whole (``12.5``) is an error; any other text column is used as text ids.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from mesosafe.disproportionality import checks
from mesosafe.disproportionality.columns import MAX_STRATUM_LEVELS, LongColumns
from mesosafe.disproportionality.files import quote, read_file
from mesosafe.disproportionality.labels import LabelCodes, Labels, Names, is_blank, label_codes
from mesosafe.disproportionality.rows import Origin, file_origin, first_row
from mesosafe.lib.analysis_input import AnalysisInputError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

LONG_COLUMNS = ("report_id", "product", "event", "stratum")  # and "report_date" with a date column


@dataclass(frozen=True)
class LongTable:
    """The counting step's input: a DuckDB relation with the columns of :data:`LONG_COLUMNS` (and
    ``report_date`` when ``dated``), and the code tables of its product and event names."""

    relation: duckdb.DuckDBPyRelation
    connection: duckdb.DuckDBPyConnection
    rows: int
    integer_id: bool  # report ids are compared as integers (a text id column of whole numbers)
    stratified: bool
    dated: bool
    labels: Labels

    def until(self, day: date) -> LongTable:
        """The reports dated on or before ``day`` (a cumulative snapshot; the same code tables)."""
        if not self.dated:
            raise AnalysisInputError("the reports have no date column (--date)")
        return replace(self, relation=self.relation.filter(f"report_date <= DATE '{day.isoformat()}'"))

    def stratum_reports(self) -> dict[str, int]:
        """The number of reports of each stratum key as read (one key per report: checked)."""
        rows = self.relation.aggregate("stratum, COUNT(DISTINCT report_id)", "stratum").fetchall()
        return {stratum: int(count) for stratum, count in rows}


def stratum_expression(strata: Sequence[str], quote_name: Callable[[str], str] = quote) -> str:
    """One text stratum key from the stratum columns (a constant when there are none)."""
    if not strata:
        return "'all'"
    cells = [f"TRIM(CAST({quote_name(s)} AS STRING))" for s in strata]
    return cells[0] if len(cells) == 1 else "CONCAT_WS('|', " + ", ".join(cells) + ")"


def long_expressions(
    columns: LongColumns, quote_name: Callable[[str], str] = quote, integer_id: bool = False
) -> list[str]:
    """The projection of a (checked) source onto the long table's columns; valid DuckDB and Spark SQL."""
    report_id = (
        f"CAST(TRIM(CAST({quote_name(columns.id)} AS STRING)) AS BIGINT)"
        if integer_id
        else quote_name(columns.id)
    )
    expressions = [
        f"{report_id} AS report_id",
        f"CAST({quote_name(columns.product)} AS STRING) AS product",
        f"CAST({quote_name(columns.event)} AS STRING) AS event",
        f"{stratum_expression(columns.strata, quote_name)} AS stratum",
    ]
    if columns.date:
        expressions.append(f"CAST(TRIM(CAST({quote_name(columns.date)} AS STRING)) AS DATE) AS report_date")
    return expressions


def _label_codes(
    relation: duckdb.DuckDBPyRelation, role: str, name: str, names: Names, id_column: str, origin: Origin
) -> LabelCodes:
    spellings = [row[0] for row in relation.project(role).distinct().fetchall()]
    blank = next((s for s in spellings if is_blank(s)), None)
    if blank is not None:
        found = first_row(origin, [id_column, name], lambda r: checks.missing(r[name]))
        where = f"row {found[0]} (report {found[1][id_column]})" if found else f"a row (the value {blank!r})"
        raise AnalysisInputError(f"column {name!r} (--{role}) is blank in {where}")
    return label_codes(spellings, names)


def long_table(
    con: duckdb.DuckDBPyConnection,
    relation: duckdb.DuckDBPyRelation,
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
    names: Names = "normalised",
    origin: Origin | None = None,
) -> LongTable:
    """Check a relation of ``con`` against the column contract and project it onto the long table.

    ``origin`` is where its rows came from, to name the row of an error (default: the relation itself).
    """
    origin = origin or Origin(relation=relation)
    checks.check_columns(relation, columns)
    rows = checks.check_values(relation, columns, max_levels, origin)
    integer_id = checks.integer_ids(relation, columns.id, origin)
    if columns.date:
        checks.check_dates(relation, columns, origin)
    projected = relation.project(", ".join(long_expressions(columns, integer_id=integer_id)))
    checks.check_reports(projected, columns, integer_id, origin)
    labels = Labels(
        products=_label_codes(projected, "product", columns.product, names, columns.id, origin),
        events=_label_codes(projected, "event", columns.event, names, columns.id, origin),
        names=names,
    )
    return LongTable(projected, con, rows, integer_id, bool(columns.strata), bool(columns.date), labels)


def read_long_table(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike[str],
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
    names: Names = "normalised",
) -> LongTable:
    """Read a CSV or Parquet file into the long table."""
    kept = [name for _, name in checks.roles(columns)]  # a CSV's other columns are not stored
    return long_table(con, read_file(con, path, kept), columns, max_levels, names, file_origin(path))


def frame_long_table(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
    names: Names = "normalised",
) -> LongTable:
    """The long table of a pandas DataFrame."""
    return long_table(con, con.from_df(frame), columns, max_levels, names, Origin(frame=frame))
