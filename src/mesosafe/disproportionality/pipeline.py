"""The disproportionality pipeline: read → count → fit the prior → score, each step usable alone.

Like openEBGM's ``processRaw → autoHyper → ebScores``, each step takes data and returns data::

    con = duckdb.connect()
    long = reading.frame_long_table(con, frame, LongColumns("report_id", "product", "event"))
    counts = counting.count_duckdb(long)                 # Counts: n, e and the 2×2 margins of every pair
    fit = gps.fit_prior(counts.n, counts.e)              # PriorFit: the prior, how it was chosen, and
                                                         # whether it is degenerate
    table = scoring.score_table(counts, gps.score(fit.prior, counts.n, counts.e))

``run(path, settings)`` does all of it for a file with either engine and writes the outputs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from mesosafe.disproportionality import gps, hierarchy, output, periods, provenance, scoring, sources
from mesosafe.disproportionality.connection import connect as duckdb_connection
from mesosafe.disproportionality.counting import Counts, count_duckdb
from mesosafe.disproportionality.reading import LongTable, read_long_table
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.disproportionality.strata import strata_of
from mesosafe.lib.analysis_input import AnalysisInputError, input_format

if TYPE_CHECKING:
    import duckdb

StageHook = Callable[[str, str], None]  # (stage name, "start" | "end")


@dataclass
class Stages:
    """Times named stages; an optional hook drives a progress display."""

    hook: StageHook | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        if self.hook:
            self.hook(name, "start")
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - started
            if self.hook:
                self.hook(name, "end")


@dataclass(frozen=True)
class SignalsResult:
    table: pa.Table
    fit: gps.PriorFit  # the prior of the table (with --period quarter: of the last quarter)
    seconds: dict[str, float]
    record: dict[str, Any] = field(default_factory=dict)  # the run's provenance (``run``)
    periods: list[tuple[str, gps.PriorFit]] = field(default_factory=list)  # with --period quarter

    @property
    def eb_empty(self) -> bool:
        return bool(self.table.num_rows) and self.table.column("ebgm").null_count == self.table.num_rows


def fit_and_score(
    counts: Counts,
    stages: Stages | None = None,
    fit: gps.PriorFit | None = None,
    selection: gps.Selection = "consensus",
    settings: RunSettings | None = None,
) -> SignalsResult:
    """Fit the GPS prior (unless given) and compute every measure for every counted pair.

    A degenerate prior (``PriorFit.degenerate``) gives no EB scores (the EB columns are null) unless
    ``settings.degenerate_prior`` is "keep".
    """
    stages, settings = stages or Stages(), settings or RunSettings()
    if len(counts) == 0:
        raise AnalysisInputError("no product–event pairs to analyse")
    with gps.one_blas_thread():  # the scores too: one thread is faster on two cores
        return _fit_and_score(counts, stages, fit, selection, settings)


def _fit_and_score(
    counts: Counts, stages: Stages, fit: gps.PriorFit | None, selection: gps.Selection, settings: RunSettings
) -> SignalsResult:
    with stages("merge (n, e) points"):
        points = gps.merge_points(counts.n, counts.e)
    if fit is None:
        with stages("fit prior"):
            fit = gps.fit_prior(counts.n, counts.e, selection=selection, points=points)
    scores = None
    if settings.eb_scored(fit):
        with stages("score EBGM/EB05/EB95"):
            scores = gps.score(fit.prior, counts.n, counts.e, points=points)
    with stages("frequentist measures and flags"):
        table = scoring.score_table(counts, scores, settings.thresholds, settings.min_n)
    return SignalsResult(table, fit, dict(stages.seconds))


Counter = Callable[[date | None], Counts]  # counts the reports dated up to a day (None: all of them)


def counter(
    path: str | os.PathLike[str],
    settings: RunSettings,
    stages: Stages | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    spark: Any = None,
) -> tuple[LongTable | Any, Counter]:
    """Read and check a file with the engine of ``settings`` (Spark reads it itself: any path Spark can
    read), and a function that counts it, or the reports dated up to a day, and returns the counts on the
    driver (``run`` with Spark keeps the pair table on the executors: ``spark_run``)."""
    import duckdb

    stages = stages or Stages()
    columns = settings.columns
    if settings.engine == "spark":
        return _spark_counter(path, settings, stages, spark)
    con = con or duckdb_connection()
    with stages("read and check input"):  # a CSV is parsed once, into a temporary table
        long = read_long_table(con, path, columns, settings.max_strata_levels, settings.names)
        if settings.rollup is not None:  # events become their terms at --event-level (hierarchy.py)
            rolled = hierarchy.read_hierarchy(settings.rollup, settings.names)
            long = replace(long, labels=hierarchy.roll_up(long.labels, rolled, settings.rollup))

    def count_with_duckdb(until: date | None) -> Counts:
        with stages("count pairs (duckdb)"):
            try:
                return count_duckdb(long if until is None else long.until(until), settings.margins)
            except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
                raise AnalysisInputError(f"cannot read {str(path)!r}: {str(exc).splitlines()[0]}") from exc

    return long, count_with_duckdb


def _spark_counter(
    path: str | os.PathLike[str], settings: RunSettings, stages: Stages, spark: Any
) -> tuple[Any, Counter]:
    from mesosafe.disproportionality.counting import SparkCounting
    from mesosafe.disproportionality.spark import spark_session
    from mesosafe.disproportionality.spark_input import roll_up, spark_long_table

    with stages("start spark"):
        spark = spark or spark_session(settings.master, conf=settings.spark_conf)
    with stages("read and check input (spark)"):
        sparked = spark_long_table(
            spark, str(path), settings.columns, settings.max_strata_levels, settings.names
        )
        if settings.rollup is not None:
            rolled = hierarchy.read_hierarchy(settings.rollup, settings.names)
            sparked = roll_up(sparked, rolled, settings.rollup)

    def count_with_spark(until: date | None) -> Counts:
        part = sparked if until is None else sparked.until(until)
        with (
            stages("count pairs (spark)"),
            SparkCounting(
                part.frame, sparked.tables, settings.margins, sparked.stratified, settings.names
            ) as counting,
        ):
            return Counts.from_arrow(counting.frame.toArrow())

    return sparked, count_with_spark


def count_file(
    path: sources.Paths,
    settings: RunSettings,
    stages: Stages | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    spark: Any = None,
) -> Counts:
    """Read and count a file (or FAERS quarters, E2B files: ``settings.input``) with the engine of
    ``settings``."""
    stages = stages or Stages()
    with long_input(path, settings, stages) as (source, long_settings):
        long, count = counter(source.path, long_settings, stages, con, spark)
        try:
            return count(None)
        finally:
            if con is None and settings.engine == "duckdb":  # ours: free its memory before the fit
                long.connection.close()


@contextmanager
def long_input(
    path: sources.Paths, settings: RunSettings, stages: Stages
) -> Iterator[tuple[sources.LongSource, RunSettings]]:
    """The long file of the input (FAERS and E2B are converted first, ``sources``) and the settings
    that read it."""
    with ExitStack() as scope:
        if settings.input.format == "long":
            source = scope.enter_context(sources.long_source(path, settings.input, settings.columns))
        else:
            with stages(f"read {settings.input.format} input"):
                source = scope.enter_context(sources.long_source(path, settings.input, settings.columns))
        yield source, replace(settings, columns=source.columns)


def by_quarter(long: LongTable, count: Counter, settings: RunSettings, stages: Stages) -> SignalsResult:
    """Cumulative scores at the end of every quarter, the table's first column ``period``."""
    first, last = long.relation.aggregate("MIN(report_date), MAX(report_date)").fetchall()[0]
    tables, fits = [], []
    for label, end in periods.quarter_ends(first, last):
        counts = count(end)
        if len(counts) == 0:
            continue
        result = fit_and_score(counts, stages, selection=settings.prior_selection, settings=settings)
        tables.append(result.table.add_column(0, "period", pa.array([label] * result.table.num_rows)))
        fits.append((label, result.fit))
    return SignalsResult(pa.concat_tables(tables), fits[-1][1], dict(stages.seconds), periods=fits)


def check_outputs(settings: RunSettings) -> None:
    """The output paths can be written (checked before any work is done)."""
    if settings.out is not None:
        output.check_output_path(settings.out, option="--out")
    if settings.hyper_out is not None:
        output.check_output_path(settings.hyper_out, (".json",), option="--hyper-out")


def write_outputs(table: pa.Table, fit: gps.PriorFit, record: dict[str, Any], settings: RunSettings) -> None:
    """The table with its provenance beside it, and the hyperparameters, as ``settings`` asks."""
    if settings.out is not None:
        with output.writing(settings.out, "--out"):
            output.write_table(table, settings.out)
            output.write_json(record, provenance.run_record_path(settings.out))
    if settings.hyper_out is not None:
        with output.writing(settings.hyper_out, "--hyper-out"):
            output.write_json({**fit.hyperparameters(), "run": record}, settings.hyper_out)


def _fitted(
    result: SignalsResult, settings: RunSettings
) -> tuple[provenance.Fitted, list[provenance.Fitted]]:
    """The table's prior and each period's, with whether their EB columns are empty and the FDR flag's
    tie left out."""
    import pyarrow.compute as pc

    def fitted(table: pa.Table, fit: gps.PriorFit, label: str) -> provenance.Fitted:
        empty = bool(table.num_rows) and table.column("ebgm").null_count == table.num_rows
        return provenance.Fitted(fit, empty, label, scoring.fdr_tie(table, level).note(level))

    level = settings.thresholds.fdr
    periods = [
        fitted(result.table.filter(pc.equal(result.table.column("period"), label)), fit, label)
        for label, fit in result.periods
    ]
    return periods[-1] if periods else fitted(result.table, result.fit, ""), periods


def run(
    path: sources.Paths,
    settings: RunSettings,
    hook: StageHook | None = None,
    top: int | None = None,
    sink: IO[bytes] | None = None,
) -> SignalsResult:
    """Read, count, fit, score and write the outputs of ``settings``; returns the result and its record.

    ``path`` is a CSV/Parquet file, or with ``settings.input`` FAERS quarters or E2B files (one or more).
    With the Spark engine ``path`` is any path Spark can read and the pair table stays on the executors:
    it is written to ``settings.out`` (a Parquet directory) or streamed as CSV to ``sink``, and the
    result's table holds only the ``top`` strongest pairs (``spark_run``)."""
    if settings.engine == "spark":
        from mesosafe.disproportionality import spark_run

        stages = Stages(hook)
        done = spark_run.run(path, settings, stages, top, sink)
        return SignalsResult(done.table, done.fit, dict(stages.seconds), done.record, done.periods)
    if settings.input.format == "long" and isinstance(path, str | os.PathLike):
        input_format(path)
    check_outputs(settings)
    settings.check_period()
    stages = Stages(hook)
    rolled = hierarchy.read_hierarchy(settings.rollup, settings.names) if settings.rollup else None
    with long_input(path, settings, stages) as (source, long_settings):
        long, count = counter(source.path, long_settings, stages)
        strata = strata_of(long, long_settings.columns.strata, settings.names)
        if settings.period == "quarter":
            try:
                result = by_quarter(long, count, long_settings, stages)
            finally:
                long.connection.close()
        else:
            try:
                counts = count(None)
            finally:  # DuckDB's memory (the parsed CSV, the hash tables) is not needed after counting
                long.connection.close()
            result = fit_and_score(counts, stages, selection=settings.prior_selection, settings=settings)
    with stages("write output"):
        fitted = _fitted(result, settings)
        record = provenance.run_record(
            source.path, settings, *fitted, source=source, hierarchy=rolled, strata=strata
        )
        write_outputs(result.table, result.fit, record, settings)
    return replace(result, seconds=dict(stages.seconds), record=record)


def last_period(table: pa.Table) -> pa.Table:
    """The rows of the last period of a table with periods; any other table as it is."""
    import pyarrow.compute as pc

    if "period" in table.column_names and table.num_rows:
        return table.filter(pc.equal(table.column("period"), pc.max(table.column("period"))))
    return table


def strength_keys(table: pa.Table) -> tuple[str, str]:
    """What ``strongest`` sorts by: EB05 then EBGM, or without EB scores IC025 then PRR's lower bound."""
    return ("eb05", "ebgm") if table.column("eb05").null_count < table.num_rows else ("ic025", "prr_lower")


def strongest(table: pa.Table, top: int) -> pa.Table:
    """The ``top`` pairs by EB05, then EBGM (descending); without EB scores by IC025, then PRR's lower
    bound. With periods, those of the last period."""
    table = last_period(table)
    keys = strength_keys(table)
    order = np.lexsort(tuple(-table.column(k).to_numpy(zero_copy_only=False) for k in reversed(keys)))
    return table.take(pa.array(order[:top]))
