"""The checks of a source against the long table's column contract; each error names the column, and for
a bad value the row and the report (found by ``rows.first_row`` only once a check has failed)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from mesosafe.disproportionality.files import quote, sql_string
from mesosafe.disproportionality.labels import is_blank
from mesosafe.disproportionality.rows import Origin, Row, first_row, source_rows
from mesosafe.engines.inputs import CONTROLS
from mesosafe.lib.analysis_input import AnalysisInputError, control_character, control_error

if TYPE_CHECKING:
    import duckdb

    from mesosafe.disproportionality.columns import LongColumns

INTEGER_TEXT = r"\s*[+-]?[0-9]+\s*"
NUMBER_TEXT = r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*"
ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# the days pandas' nanosecond timestamps can hold (and the clinic registry's limit, clinic_safety.tables)
EARLIEST_YEAR, LATEST_YEAR = 1678, 2261


def _character_class(characters: frozenset[str]) -> str:
    """A regular expression's class of ``characters``, in ranges, as RE2 (DuckDB) and Java (Spark) read it."""
    ranges: list[list[int]] = []
    for point in sorted(map(ord, characters)):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "[" + "".join(f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in ranges) + "]"


# The control characters a value may not hold (engines.inputs.CONTROLS: C0 and C1 but tab, newline and
# carriage return, DEL, noncharacters): no product, event, id or stratum is written with one, a NUL showed
# as a space in the table printed and was kept in the output, and two names differing only by one would
# be counted apart.
CONTROL_CLASS = _character_class(CONTROLS)
DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")


def missing(value: Any) -> bool:
    """No value: None, NaN (pandas) or text that is empty or only whitespace."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return isinstance(value, str) and is_blank(value)


def has_control(value: Any) -> bool:
    return control_character(value) is not None


def control_problem(role: str, name: str, where: str, value: Any) -> AnalysisInputError:
    """The error for a control character in column ``name`` at ``where`` (its row, report and file)."""
    return control_error(f"column {name!r} ({role})", value, f" in {where}")


def type_family(duck_type: str) -> str:
    upper = duck_type.upper()
    if any(token in upper for token in ("[]", "STRUCT", "MAP", "UNION", "LIST")):
        return "nested"
    if upper in {"VARCHAR", "STRING"} or upper.startswith("ENUM"):
        return "string"
    integers = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    if upper in integers or upper.removeprefix("U") in integers:
        return "integer"
    if upper in DATE_TYPES:
        return "date"
    if upper == "BOOLEAN":
        return "boolean"
    return "other"


def roles(columns: LongColumns) -> list[tuple[str, str]]:
    """(option, column) for every column the run reads."""
    named = [("--id", columns.id), ("--product", columns.product), ("--event", columns.event)]
    named += [("--strata", name) for name in columns.strata]
    return named + ([("--date", columns.date)] if columns.date else [])


def check_distinct(columns: LongColumns) -> None:
    """The report id, product and event are three different columns: a product counted against itself as
    an event, or a report id as either, gives nothing but false signals."""
    named = [("--id", columns.id), ("--product", columns.product), ("--event", columns.event)]
    for i, (first, name) in enumerate(named):
        for second, other in named[i + 1 :]:
            if name == other:
                raise AnalysisInputError(
                    f"{first} and {second} both name the column {name!r}; they must be different columns"
                )


def check_columns(relation: duckdb.DuckDBPyRelation, columns: LongColumns) -> None:
    """The report id, product and event columns differ, and every named column exists and has a usable
    type."""
    check_distinct(columns)
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    for role, name in roles(columns):
        if name not in types:
            raise AnalysisInputError(f"column {name!r} ({role}) not found; columns are: {', '.join(types)}")
        family = type_family(types[name])
        if role in ("--id", "--product", "--event") and family not in {"string", "integer"}:
            raise AnalysisInputError(
                f"column {name!r} ({role}) has type {types[name]}; expected text or whole numbers"
            )
        if role == "--strata" and family == "nested":
            raise AnalysisInputError(
                f"column {name!r} ({role}) has type {types[name]}; expected scalar values"
            )
        if role == "--date" and family not in {"string", "date"}:
            raise AnalysisInputError(f"column {name!r} ({role}) has type {types[name]}; expected dates")


def _where(origin: Origin, id_column: str, name: str, test: Callable[..., bool]) -> tuple[int, Row]:
    found = first_row(origin, list(dict.fromkeys([id_column, name])), test)
    if found is None:  # the SQL check and the scan disagree: still say which column
        raise AnalysisInputError(f"column {name!r} has a missing or bad value")
    return found


def _report(row: Row, id_column: str) -> str:
    value = row[id_column]
    return "with no report id" if missing(value) else f"report {value}"


def check_values(
    relation: duckdb.DuckDBPyRelation, columns: LongColumns, max_levels: int, origin: Origin
) -> int:
    """Rows present, no missing value, stratum columns small; returns the row count."""
    named = roles(columns)
    # missing: NULL, and for a stratum also empty or spaces only (products and events: in ``labels``)
    empty = {s: f" + COUNT(*) FILTER (WHERE TRIM(CAST({quote(s)} AS VARCHAR)) = '')" for s in columns.strata}
    parts = ["COUNT(*)"] + [f"COUNT(*) - COUNT({quote(c)}){empty.get(c, '')}" for _, c in named]
    parts += [
        f"COUNT(*) FILTER (WHERE regexp_matches(CAST({quote(c)} AS VARCHAR), {sql_string(CONTROL_CLASS)}))"
        for _, c in named
    ]
    parts += [f"APPROX_COUNT_DISTINCT({quote(s)})" for s in columns.strata]
    row = relation.aggregate(", ".join(parts)).fetchall()[0]
    rows, nulls = int(row[0]), row[1 : 1 + len(named)]
    controls, levels = row[1 + len(named) : 1 + 2 * len(named)], row[1 + 2 * len(named) :]
    if rows == 0:
        raise AnalysisInputError("input has no data rows")
    for (role, name), count in zip(named, nulls, strict=True):
        if count:
            number, found = _where(origin, columns.id, name, lambda row, column=name: missing(row[column]))
            where = f"row {number}" + ("" if name == columns.id else f" ({_report(found, columns.id)})")
            raise AnalysisInputError(f"column {name!r} ({role}) is blank in {where}")
    for (role, name), count in zip(named, controls, strict=True):
        if count:
            number, found = _where(
                origin, columns.id, name, lambda row, column=name: has_control(row[column])
            )
            where = f"row {number}" + ("" if name == columns.id else f" ({_report(found, columns.id)})")
            where += f" of {str(origin.path)!r}" if origin.path is not None else ""
            raise control_problem(role, name, where, found[name])
    for name, approx in zip(columns.strata, levels, strict=True):
        if approx > max_levels:  # the approximate count is only a pre-filter; confirm exactly
            exact = relation.aggregate(f"COUNT(DISTINCT {quote(name)})").fetchall()[0]
            if exact[0] > max_levels:
                raise AnalysisInputError(
                    f"stratum column {name!r} has {exact[0]} levels (at most {max_levels}); "
                    "categorise it first"
                )
    return rows


def integer_ids(relation: duckdb.DuckDBPyRelation, name: str, origin: Origin) -> bool:
    """Whether the report ids are integers; a text column of numbers that are not all whole is an error."""
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    if type_family(types[name]) == "integer":
        return True
    column = f"CAST({quote(name)} AS VARCHAR)"
    # The usual case first, in one pass that stops at the first other value: every id a whole number in
    # the 64-bit range (the pattern rejects 1.0, 1e3, 0x1F, which DuckDB's cast takes; the cast skips
    # leading and trailing white space itself).
    integer = f"regexp_full_match({column}, {sql_string(INTEGER_TEXT)})"
    whole = f"{integer} AND TRY_CAST({column} AS BIGINT) IS NOT NULL"
    if not relation.filter(f"NOT ({whole})").limit(1).fetchall():
        return True
    not_integer = f"NOT regexp_full_match({column}, {sql_string(INTEGER_TEXT)})"
    not_number = f"NOT regexp_full_match({column}, {sql_string(NUMBER_TEXT)})"
    row = relation.aggregate(
        f"COUNT(*) FILTER (WHERE {not_integer}), COUNT(*) FILTER (WHERE {not_number}), "
        f"ANY_VALUE({column}) FILTER (WHERE {not_integer}), "
        f"COUNT(*) FILTER (WHERE NOT {not_integer} AND TRY_CAST(TRIM({column}) AS BIGINT) IS NULL), "
        f"COUNT(*) FILTER (WHERE TRIM({column}) = '')"
    ).fetchall()[0]
    non_integers, non_numbers, example, too_large, blank = row
    if blank:
        number, _ = _where(origin, name, name, lambda r: missing(r[name]))
        raise AnalysisInputError(f"column {name!r} (--id) is blank in row {number}")
    if non_integers and not non_numbers:
        raise AnalysisInputError(
            f"column {name!r} (--id) has a decimal value {example!r}; "
            "report ids must be whole numbers or text"
        )
    if not non_integers and too_large:
        raise AnalysisInputError(f"column {name!r} (--id) has whole numbers beyond the 64-bit integer range")
    return not non_integers


def id_value(value: Any, integer_id: bool) -> Any:
    """A raw id as the long table holds it (whole-number text as an integer)."""
    return int(str(value).strip()) if integer_id else value


def check_reports(
    long: duckdb.DuckDBPyRelation, columns: LongColumns, integer_id: bool, origin: Origin
) -> None:
    """Each report has one stratum and one date on all its rows."""
    per_report = [("stratum", columns.strata)] if columns.strata else []
    per_report += [("report_date", (columns.date,))] if columns.date else []
    for key, names in per_report:
        found = long.aggregate(f"report_id, MIN({key}) <> MAX({key}) AS differs", "report_id")
        differing = found.filter("differs").limit(1).fetchall()
        if differing:
            _two_values(origin, columns, names, id_value(differing[0][0], integer_id), integer_id)


def _two_values(
    origin: Origin, columns: LongColumns, names: Sequence[str], report: Any, integer_id: bool
) -> None:
    what = f"column {names[0]!r} (--date)" if columns.date == names[0] else "the strata " + ", ".join(names)
    first: tuple[int, tuple[str, ...]] | None = None
    for number, row in enumerate(source_rows(origin, list(dict.fromkeys([columns.id, *names]))), start=1):
        if missing(row[columns.id]) or id_value(row[columns.id], integer_id) != report:
            continue
        values = tuple(str(row[n]).strip() for n in names)
        if first is None:
            first = (number, values)
        elif values != first[1]:
            raise AnalysisInputError(
                f"report {report} has two values in {what}: {' | '.join(first[1])!r} in row {first[0]} and "
                f"{' | '.join(values)!r} in row {number}; a report's value must be the same on all its rows"
            )
    raise AnalysisInputError(f"report {report} has more than one value in {what}")


def date_problem(value: Any) -> str | None:
    """Why a date column's value cannot be used (None when it can): not an ISO date, or out of range."""
    if isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        if not re.fullmatch(ISO_DATE, text):
            return "which is not a date (YYYY-MM-DD)"
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return "which is not a date (YYYY-MM-DD)"
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        return f"which is outside the years {EARLIEST_YEAR}–{LATEST_YEAR} (the dates the analysis can hold)"
    return None


def _not_a_date(value: Any) -> bool:
    return date_problem(value) is not None


def year_in_range(day: str) -> str:
    """SQL (DuckDB and Spark): the year of the date expression ``day`` is in the range dates may have."""
    return f"year({day}) BETWEEN {EARLIEST_YEAR} AND {LATEST_YEAR}"


def check_dates(relation: duckdb.DuckDBPyRelation, columns: LongColumns, origin: Origin) -> None:
    """Every value of the date column is an ISO date, YYYY-MM-DD (unless the column holds dates), in
    1678–2261."""
    name = str(columns.date)
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    if type_family(types[name]) == "date":
        good = year_in_range(quote(name))
    else:
        text = f"TRIM(CAST({quote(name)} AS VARCHAR))"
        good = (
            f"regexp_full_match({text}, {sql_string(ISO_DATE)}) AND TRY_CAST({text} AS DATE) IS NOT NULL "
            f"AND {year_in_range(f'TRY_CAST({text} AS DATE)')}"
        )
    if relation.filter(f"NOT ({good})").limit(1).fetchall():
        number, row = _where(origin, columns.id, name, lambda r: _not_a_date(r[name]))
        raise AnalysisInputError(
            f"column {name!r} (--date) in row {number} ({_report(row, columns.id)}) has {str(row[name])!r}, "
            f"{date_problem(row[name])}"
        )
