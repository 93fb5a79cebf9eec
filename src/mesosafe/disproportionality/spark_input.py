"""The Spark engine's first step: a file read and checked by Spark itself, projected onto the long table.

Any path Spark can read (a local file, ``file://``, ``hdfs://``, ``s3a://``, a directory of Parquet or CSV
files); nothing is read on the driver. The checks are those of ``checks`` (the column contract of
``reading``), run as Spark aggregates; an error names the column, and for a bad value the row when the
input is a local file (scanned on the driver only once a check has failed) or else the report. Product and
event names are normalised by the executors with the same Python function as DuckDB's run
(``labels.normalise``), and the code of a name is the name itself: no numbering of rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any

import pyarrow as pa

from mesosafe.disproportionality import checks
from mesosafe.disproportionality.columns import MAX_STRATUM_LEVELS, LongColumns
from mesosafe.disproportionality.files import backtick, delimiter, header_names
from mesosafe.disproportionality.hierarchy import Hierarchy, Rollup
from mesosafe.disproportionality.labels import Names, is_blank, normalise
from mesosafe.disproportionality.reading import long_expressions
from mesosafe.disproportionality.rows import Row, file_origin, first_row
from mesosafe.disproportionality.spark import hadoop_path, local_path
from mesosafe.lib.analysis_input import SUFFIXES, AnalysisInputError, input_format


@dataclass(frozen=True)
class SparkLong:
    """The long table as a Spark DataFrame (``reading.LONG_COLUMNS``, and ``report_date`` when ``dated``),
    and the code tables the counting SQL joins (Spark DataFrames, ``Labels.tables()``'s names)."""

    frame: Any
    tables: dict[str, Any]
    integer_id: bool
    stratified: bool
    dated: bool

    def until(self, day: date) -> SparkLong:
        return replace(self, frame=self.frame.where(f"report_date <= DATE '{day.isoformat()}'"))

    def date_range(self) -> tuple[date, date]:
        first, last = self.frame.selectExpr("MIN(report_date)", "MAX(report_date)").first()
        return first, last

    def stratum_reports(self) -> dict[str, int]:
        """The number of reports of each stratum key as read (few keys: checked)."""
        from pyspark.sql import functions as F

        rows = self.frame.groupBy("stratum").agg(F.countDistinct("report_id")).collect()
        return {row[0]: int(row[1]) for row in rows}


def spark_input_format(spark: Any, path: str | os.PathLike[str]) -> str:
    """'csv' or 'parquet' by the name's suffix, for a path that exists (a file or a directory of files)."""
    local = local_path(path)
    if local is not None and local.is_file():
        return input_format(local)
    name = str(path).rstrip("/").rsplit("/", 1)[-1].lower().removesuffix(".gz")
    kind = next((v for k, v in SUFFIXES.items() if name.endswith(k)), None)
    if kind is None:
        raise AnalysisInputError(f"input {str(path)!r} must be .csv or .parquet")
    if local is not None:
        exists = local.exists()
    else:
        try:
            fs, target = hadoop_path(spark, path)
            exists = bool(fs.exists(target))
        except Exception as exc:  # no filesystem for the scheme, no credentials: say so in one line
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AnalysisInputError(f"cannot reach {str(path)!r}: {first}") from exc
    if not exists:
        raise AnalysisInputError(f"input {str(path)!r} does not exist")
    return kind


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_source(spark: Any, path: str | os.PathLike[str]) -> Any:
    """A Spark DataFrame over a CSV (every column as text, named by its header, as DuckDB reads it) or
    Parquet input. A CSV row with too few or too many fields fails the first check that reads it."""
    from pyspark.sql.types import StringType, StructField, StructType

    kind = spark_input_format(spark, path)
    try:
        if kind == "parquet":
            return spark.read.parquet(str(path))
        reader = (
            spark.read.option("sep", delimiter(str(path)))
            .option("quote", '"')
            .option("escape", '"')
            .option("encoding", "UTF-8")
        )
        first = reader.option("header", False).csv(str(path)).limit(1).collect()
        fields = [(value or "").removeprefix("\ufeff") for value in first[0]] if first else None
        names = header_names(fields, path)
        schema = StructType([StructField(name, StringType()) for name in names])
        return reader.option("header", True).option("mode", "FAILFAST").schema(schema).csv(str(path))
    except AnalysisInputError:
        raise
    except Exception as exc:
        raise AnalysisInputError(f"cannot read {str(path)!r} as {kind}: {_first_line(exc)}") from exc


def spark_family(data_type: Any) -> str:
    """The ``checks.type_family`` of a Spark column type."""
    from pyspark.sql import types

    if isinstance(data_type, types.ArrayType | types.MapType | types.StructType):
        return "nested"
    if isinstance(data_type, types.StringType | types.VarcharType | types.CharType):
        return "string"
    if isinstance(data_type, types.ByteType | types.ShortType | types.IntegerType | types.LongType):
        return "integer"
    if isinstance(data_type, types.DateType | types.TimestampType | types.TimestampNTZType):
        return "date"
    return "boolean" if isinstance(data_type, types.BooleanType) else "other"


def check_columns(source: Any, columns: LongColumns) -> dict[str, str]:
    """Every named column exists and has a usable type; returns each column's type family."""
    checks.check_distinct(columns)
    fields = {field.name: field.dataType for field in source.schema.fields}
    families = {}
    for role, name in checks.roles(columns):
        if name not in fields:
            raise AnalysisInputError(f"column {name!r} ({role}) not found; columns are: {', '.join(fields)}")
        family, shown = spark_family(fields[name]), fields[name].simpleString()
        if role in ("--id", "--product", "--event") and family not in {"string", "integer"}:
            raise AnalysisInputError(
                f"column {name!r} ({role}) has type {shown}; expected text or whole numbers"
            )
        if role == "--strata" and family == "nested":
            raise AnalysisInputError(f"column {name!r} ({role}) has type {shown}; expected scalar values")
        if role == "--date" and family not in {"string", "date"}:
            raise AnalysisInputError(f"column {name!r} ({role}) has type {shown}; expected dates")
        families[name] = family
    return families


@dataclass(frozen=True)
class Located:
    """Where a bad value is: ``row`` (counted from 1 after the header) when the input is a local file."""

    row: int | None
    values: Row

    def where(self, name: str, id_column: str) -> str:
        report = self.values.get(id_column)
        if self.row is None:
            return f"a row of report {report}"
        return f"row {self.row}" + ("" if name == id_column else f" (report {report})")


def locate(
    path: str | os.PathLike[str],
    source: Any,
    columns: LongColumns,
    name: str,
    test: Callable[[Row], bool],
    bad: Any,
) -> Located:
    """The first row with a bad value of ``name``: by scanning a local file on the driver (only after a
    check failed), or else one such row found by Spark (``bad``: a Column that is true on it)."""
    names = list(dict.fromkeys([columns.id, name]))
    local = local_path(path)
    if local is not None and local.is_file():
        found = first_row(file_origin(local), names, test)
        if found is not None:
            return Located(found[0], found[1])
    rows = source.where(bad).select(*[source[backtick(n)] for n in names]).limit(1).collect()
    if not rows:
        raise AnalysisInputError(f"column {name!r} has a missing or bad value")
    return Located(None, rows[0].asDict())


def _missing_in(name: str, row: Row) -> bool:
    return checks.missing(row[name])


def _control_in(name: str, row: Row) -> bool:
    return checks.has_control(row[name])


def _bad_date(columns: LongColumns, families: dict[str, str]) -> Any:
    """A Spark condition: the row's date is not an ISO date (a text column) or is out of range."""
    from pyspark.sql import functions as F

    if not columns.date:
        return F.lit(False)
    column = backtick(columns.date)
    if families[columns.date] == "date":
        return ~F.expr(checks.year_in_range(column))
    day = f"TRY_CAST(TRIM(CAST({column} AS STRING)) AS DATE)"
    return ~(
        F.trim(F.col(column).cast("string")).rlike(f"^{checks.ISO_DATE}$")
        & F.expr(day).isNotNull()
        & F.expr(checks.year_in_range(day))
    )


def check_values(
    path: str | os.PathLike[str], source: Any, columns: LongColumns, families: dict[str, str], max_levels: int
) -> bool:
    """Rows present, no missing value, stratum columns small, ids whole numbers or text, dates ISO dates,
    in one pass over the input; returns whether the ids are compared as integers."""
    from pyspark.sql import functions as F

    def text(name: str) -> Any:
        return F.trim(F.col(backtick(name)).cast("string"))

    def count_if(condition: Any) -> Any:
        return F.sum(F.when(condition, 1).otherwise(0))

    named = checks.roles(columns)
    id_text = text(columns.id)
    not_integer = ~id_text.rlike(f"^(?:{checks.INTEGER_TEXT})$")
    not_number = ~id_text.rlike(f"^(?:{checks.NUMBER_TEXT})$")
    bad_date = _bad_date(columns, families)
    blank = {
        name: F.col(backtick(name)).isNull()
        | ((text(name) == "") if name in columns.strata else F.lit(False))
        for _, name in named
    }
    control = {name: F.col(backtick(name)).cast("string").rlike(checks.CONTROL_CLASS) for _, name in named}
    aggregates = [F.count(F.lit(1))] + [count_if(blank[name]) for _, name in named]
    aggregates += [count_if(control[name]) for _, name in named]
    aggregates += [F.approx_count_distinct(F.col(backtick(s))) for s in columns.strata]
    aggregates += [
        count_if(not_integer),
        count_if(not_number),
        F.first(F.when(not_integer, F.col(backtick(columns.id)).cast("string")), ignorenulls=True),
        count_if(
            ~not_integer
            & F.expr(f"TRY_CAST(TRIM(CAST({backtick(columns.id)} AS STRING)) AS BIGINT)").isNull()
        ),
        count_if(id_text == ""),
        count_if(bad_date & F.col(backtick(columns.date or columns.id)).isNotNull()),
    ]
    try:
        row = source.agg(*aggregates).first()
    except Exception as exc:
        raise _read_error(path, exc) from exc
    rows, nulls = int(row[0]), row[1 : 1 + len(named)]
    controls = row[1 + len(named) : 1 + 2 * len(named)]
    levels = row[1 + 2 * len(named) : 1 + 2 * len(named) + len(columns.strata)]
    non_integers, non_numbers, example, too_large, blank_ids, bad_dates = row[
        1 + 2 * len(named) + len(columns.strata) :
    ]
    if rows == 0:
        raise AnalysisInputError("input has no data rows")
    for (role, name), count in zip(named, nulls, strict=True):
        if count:
            found = locate(path, source, columns, name, partial(_missing_in, name), blank[name])
            raise AnalysisInputError(f"column {name!r} ({role}) is blank in {found.where(name, columns.id)}")
    for (role, name), count in zip(named, controls, strict=True):
        if count:
            found = locate(path, source, columns, name, partial(_control_in, name), control[name])
            where = f"{found.where(name, columns.id)} of {str(path)!r}"
            raise checks.control_problem(role, name, where, found.values[name])
    for name, approx in zip(columns.strata, levels, strict=True):
        if approx > max_levels:  # the approximate count is only a pre-filter; confirm exactly
            exact = source.agg(F.countDistinct(F.col(backtick(name)))).first()[0]
            if exact > max_levels:
                raise AnalysisInputError(
                    f"stratum column {name!r} has {exact} levels (at most {max_levels}); categorise it first"
                )
    if bad_dates:
        name = str(columns.date)
        found = locate(path, source, columns, name, lambda r: checks._not_a_date(r[name]), bad_date)
        raise AnalysisInputError(
            f"column {name!r} (--date) in {found.where(name, columns.id)} has {str(found.values[name])!r}, "
            f"{checks.date_problem(found.values[name])}"
        )
    if families[columns.id] == "integer":
        return True
    if blank_ids:
        found = locate(
            path, source, columns, columns.id, lambda r: checks.missing(r[columns.id]), id_text == ""
        )
        raise AnalysisInputError(
            f"column {columns.id!r} (--id) is blank in {found.where(columns.id, columns.id)}"
        )
    if non_integers and not non_numbers:
        raise AnalysisInputError(
            f"column {columns.id!r} (--id) has a decimal value {example!r}; "
            "report ids must be whole numbers or text"
        )
    if not non_integers and too_large:
        raise AnalysisInputError(
            f"column {columns.id!r} (--id) has whole numbers beyond the 64-bit integer range"
        )
    return not non_integers


def _read_error(path: str | os.PathLike[str], exc: Exception) -> AnalysisInputError:
    """A CSV Spark could not parse: the line, when the file is local; Spark's first line otherwise."""
    local = local_path(path)
    if local is not None and local.is_file() and input_format(local) == "csv" and "Malformed" in str(exc):
        import csv
        import gzip

        opener: Any = gzip.open if local.name.lower().endswith(".gz") else open
        with opener(local, "rt", encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter(local))
            width = len(next(reader, []))
            for fields in reader:
                if len(fields) != width:
                    return AnalysisInputError(
                        f"the rows of {str(path)!r} do not have a consistent number of columns: line "
                        f"{reader.line_num} has {len(fields)} fields, the header has {width}"
                    )
    return AnalysisInputError(f"cannot read {str(path)!r}: {_first_line(exc)}")


def check_reports(path: str | os.PathLike[str], long: Any, columns: LongColumns, integer_id: bool) -> None:
    """Each report has one stratum and one date on all its rows."""
    per_report = [("stratum", columns.strata)] if columns.strata else []
    per_report += [("report_date", (columns.date,))] if columns.date else []
    for key, names in per_report:
        differing = (
            long.groupBy("report_id")
            .agg({key: "min", "*": "count"})
            .join(long.groupBy("report_id").agg({key: "max"}), "report_id")
            .where(f"`min({key})` <> `max({key})`")
            .limit(1)
            .collect()
        )
        if not differing:
            continue
        report = differing[0]["report_id"]
        local = local_path(path)
        if local is not None and local.is_file():
            checks._two_values(file_origin(local), columns, names, report, integer_id)
        what = (
            f"column {names[0]!r} (--date)" if columns.date == names[0] else "the strata " + ", ".join(names)
        )
        values = [
            r[0] for r in long.where(long.report_id == report).select(key).distinct().limit(2).collect()
        ]
        raise AnalysisInputError(
            f"report {report} has two values in {what}: {' and '.join(repr(str(v)) for v in values)}; "
            "a report's value must be the same on all its rows"
        )


def _normalised(names: Names, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """(label, name, blank) of each distinct spelling: runs on the executors."""
    for batch in batches:
        labels = batch.column(0).to_pylist()
        yield pa.record_batch(
            [
                pa.array(labels, pa.string()),
                pa.array([normalise(x) if names == "normalised" else x for x in labels], pa.string()),
                pa.array([is_blank(x) for x in labels], pa.bool_()),
            ],
            names=["label", "name", "blank"],
        )


def label_tables(
    path: str | os.PathLike[str],
    source: Any,
    long: Any,
    role: str,
    name: str,
    names: Names,
    columns: LongColumns,
) -> dict[str, Any]:
    """The code tables of one column (``product_codes``, ``product_names``, or the events'), made by the
    executors: a spelling's code is its name."""
    coded = (
        long.select(long[role].alias("label"))
        .distinct()
        .mapInArrow(partial(_normalised, names), "label string, name string, blank boolean")
        .cache()
    )
    blank = coded.where("blank").limit(1).collect()
    if blank:
        spelling = blank[0]["label"]
        found = locate(
            path,
            source,
            columns,
            name,
            lambda r: checks.missing(r[name]) or is_blank(str(r[name])),
            source[backtick(name)].cast("string") == spelling,
        )
        raise AnalysisInputError(f"column {name!r} (--{role}) is blank in {found.where(name, columns.id)}")
    code = role[0] + "id"
    return {
        f"{role}_codes": coded.selectExpr(f"label AS {role}", f"name AS {code}"),
        f"{role}_names": coded.select("name").distinct().selectExpr(f"name AS {code}", f"name AS {role}"),
    }


def spark_long_table(
    spark: Any,
    path: str | os.PathLike[str],
    columns: LongColumns,
    max_levels: int = MAX_STRATUM_LEVELS,
    names: Names = "normalised",
) -> SparkLong:
    """Read and check a file with Spark and project it onto the long table (kept in the executors'
    cache for the checks and the counting that follow)."""
    source = read_source(spark, path)
    families = check_columns(source, columns)
    integer_id = check_values(path, source, columns, families, max_levels)
    long = source.selectExpr(*long_expressions(columns, backtick, integer_id)).persist()
    check_reports(path, long, columns, integer_id)
    tables = {
        **label_tables(path, source, long, "product", columns.product, names, columns),
        **label_tables(path, source, long, "event", columns.event, names, columns),
    }
    return SparkLong(long, tables, integer_id, bool(columns.strata), bool(columns.date))


def roll_up(long: SparkLong, hierarchy: Hierarchy, rollup: Rollup) -> SparkLong:
    """The long table with each event coded as its term(s) at the level (``hierarchy.roll_up``'s rule,
    on the executors: the hierarchy is a small table joined to the events' code table)."""
    spark = long.frame.sparkSession
    pairs = [(key, term) for key, terms in hierarchy.terms.items() for term in sorted(terms)]
    terms = spark.createDataFrame(
        pa.table({"eid": pa.array([k for k, _ in pairs], pa.string()), "term": [t for _, t in pairs]})
    )
    codes = long.tables["event_codes"]
    unmatched_frame = codes.select("eid").distinct().join(terms, "eid", "left_anti")
    unmatched = sorted(row[0] for row in unmatched_frame.limit(4).collect())
    if unmatched:
        total = unmatched_frame.count()
        shown = ", ".join(repr(n) for n in unmatched[:3]) + (", …" if total > 3 else "")
        raise AnalysisInputError(
            f"{total} event{'s are' if total > 1 else ' is'} not in the "
            f"{hierarchy.matched_on.upper()} column of the hierarchy file {str(rollup.path)!r}: {shown} "
            f"(--hierarchy, --event-level {rollup.level}); the file must cover every event"
        )
    rolled = codes.join(terms, "eid").selectExpr("event", "term AS eid")
    names = rolled.select("eid").distinct().selectExpr("eid", "eid AS event")
    return replace(long, tables={**long.tables, "event_codes": rolled, "event_names": names})
