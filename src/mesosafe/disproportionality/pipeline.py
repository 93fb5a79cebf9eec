"""The disproportionality pipeline: read → count → fit the prior → score, each step usable alone.

Like openEBGM's ``processRaw → autoHyper → ebScores``, each step takes data and returns data::

    con = duckdb.connect()
    long = reading.frame_long_table(con, frame, LongColumns("report_id", "product", "event"))
    counts = counting.count_duckdb(long)                 # Counts: n, e and the 2×2 margins of every pair
    fit = gps.fit_prior(counts.n, counts.e)              # PriorFit: the prior and how it was chosen
    table = scoring.score_table(counts, gps.score(fit.prior, counts.n, counts.e))

``run(path, settings)`` does all of it for a file with either engine and writes the outputs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from mesosafe.disproportionality import gps, output, provenance, scoring
from mesosafe.disproportionality.counting import Counts, count_duckdb, count_spark
from mesosafe.disproportionality.reading import read_long_table
from mesosafe.disproportionality.settings import RunSettings
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
    fit: gps.PriorFit
    seconds: dict[str, float]
    record: dict[str, Any] = field(default_factory=dict)  # the run's provenance (``run``)


def fit_and_score(
    counts: Counts,
    stages: Stages | None = None,
    fit: gps.PriorFit | None = None,
    selection: gps.Selection = "consensus",
) -> SignalsResult:
    """Fit the GPS prior (unless given) and compute every measure for every counted pair."""
    stages = stages or Stages()
    if len(counts) == 0:
        raise AnalysisInputError("no product–event pairs to analyse")
    with stages("merge (n, e) points"):
        points = gps.merge_points(counts.n, counts.e)
    if fit is None:
        with stages("fit prior"):
            fit = gps.fit_prior(counts.n, counts.e, selection=selection, points=points)
    with stages("score EBGM/EB05/EB95"):
        scores = gps.score(fit.prior, counts.n, counts.e, points=points)
    with stages("frequentist measures"):
        table = scoring.score_table(counts, scores)
    return SignalsResult(table, fit, dict(stages.seconds))


def duckdb_connection(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def count_file(
    path: str | os.PathLike[str],
    settings: RunSettings,
    stages: Stages | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    spark: Any = None,
) -> Counts:
    """Read and count a file with the engine of ``settings``.

    The file is always checked with DuckDB (cheap, the same messages for both engines); with Spark it is
    then read and counted by Spark (``spark`` or a session for ``settings.master``).
    """
    import duckdb

    stages = stages or Stages()
    con = con or duckdb_connection()
    columns, levels = settings.columns, settings.max_strata_levels
    with stages("read and check input"):  # a CSV is parsed once, into a temporary table
        long = read_long_table(con, path, columns, levels)
    if settings.engine == "spark":
        from mesosafe.disproportionality.spark import spark_long_table, spark_session

        with stages("start spark"):
            spark = spark or spark_session(settings.master)
        with stages("count pairs (spark)"):
            frame = spark_long_table(spark, path, columns, long.integer_id)
            return count_spark(frame, settings.margins, stratified=long.stratified)
    with stages("count pairs (duckdb)"):
        try:
            return count_duckdb(long, settings.margins)
        except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
            raise AnalysisInputError(f"cannot read {str(path)!r}: {str(exc).splitlines()[0]}") from exc


def check_outputs(settings: RunSettings) -> None:
    """The output paths can be written (checked before any work is done)."""
    if settings.out is not None:
        output.check_output_path(settings.out)
    if settings.hyper_out is not None:
        output.check_output_path(settings.hyper_out, (".json",))


def write_outputs(
    table: pa.Table, fit: gps.PriorFit, record: dict[str, Any], settings: RunSettings
) -> None:
    """The table with its provenance beside it, and the hyperparameters, as ``settings`` asks."""
    if settings.out is not None:
        output.write_table(table, settings.out)
        output.write_json(record, provenance.run_record_path(settings.out))
    if settings.hyper_out is not None:
        output.write_json({**fit.hyperparameters(), "run": record}, settings.hyper_out)


def run(path: str | os.PathLike[str], settings: RunSettings, hook: StageHook | None = None) -> SignalsResult:
    """Read, count, fit, score and write the outputs of ``settings``; returns the result and its record."""
    input_format(path)
    check_outputs(settings)
    stages = Stages(hook)
    counts = count_file(path, settings, stages)
    result = fit_and_score(counts, stages, selection=settings.prior_selection)
    with stages("write output"):
        record = provenance.run_record(path, settings, result.fit)
        write_outputs(result.table, result.fit, record, settings)
    return SignalsResult(result.table, result.fit, dict(stages.seconds), record)


def strongest(table: pa.Table, top: int) -> pa.Table:
    """The ``top`` pairs by EB05, then EBGM (descending)."""
    order = np.lexsort((-table.column("ebgm").to_numpy(), -table.column("eb05").to_numpy()))
    return table.take(pa.array(order[:top]))
