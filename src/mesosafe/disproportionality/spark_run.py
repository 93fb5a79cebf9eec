"""A signals run with the Spark engine, with the pair table kept on the executors.

Spark reads and checks the input (``spark_input``) and counts with the same SQL as DuckDB
(``counting.SparkCounting``). The driver collects only what is small: the distinct (n, E) points with
their weights — exactly ``gps.merge_points``'s, so both engines fit the same prior on the same points —
and scores those points with the same function as a DuckDB run (``gps.score_points``); the points' scores
are joined back to the pairs, and the executors compute every other measure with the same Python
functions as a DuckDB run (``scoring.score_table`` on each Arrow batch) and write the table as Parquet part
files (with ``--period quarter``, one directory per period, ``period=2012Q1/``). The FDR flag keeps
DuckDB's rule exactly (:class:`FdrRule`); the ``top`` strongest pairs are the only rows collected.

FAERS and E2B input are read on the driver by DuckDB (``sources``) into a temporary long Parquet file that
Spark then reads: with those formats the executors must see the driver's temporary directory (``local[N]``,
or a cluster on the same machine or a shared filesystem).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import astuple, dataclass
from functools import partial
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from mesosafe.disproportionality import gps, hierarchy, output, periods, provenance, scoring, sources
from mesosafe.disproportionality.counting import Counts, SparkCounting
from mesosafe.disproportionality.flags import Thresholds, Tie, fdr_cut
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.disproportionality.spark import hadoop_path, local_path, spark_session
from mesosafe.disproportionality.spark_input import SparkLong, roll_up, spark_long_table
from mesosafe.disproportionality.strata import Strata, strata_of
from mesosafe.lib.analysis_input import AnalysisInputError

# the pipeline's ``Stages``: ``with stages("name"): …`` times a stage (no import of ``pipeline``, which
# calls this module)
Stages = Callable[[str], AbstractContextManager[None]]


@dataclass(frozen=True)
class SparkResult:
    """What ``pipeline.run`` returns of a Spark run (as its ``SignalsResult``): the ``top`` strongest pairs,
    the table's prior (with periods, the last period's), the provenance and every period's prior."""

    table: pa.Table
    fit: gps.PriorFit
    record: dict[str, Any]
    periods: list[tuple[str, gps.PriorFit]]


def _spark_type(name: str) -> str:
    if name in ("product", "event", "interval_note"):
        return "string"
    if name in ("n", "n_product", "n_event", "n_total"):
        return "bigint"
    return "boolean" if name.startswith("flag_") else "double"


SCHEMA = ", ".join(f"{name} {_spark_type(name)}" for name in scoring.OUTPUT_COLUMNS)
POINT_COLUMNS = ("n", "e", *scoring.EB_COLUMNS)


def collect_points(counts: Any) -> gps.Points:
    """The distinct (n, e) points of a pair table and how many pairs each has, sorted by n then e, as
    ``gps.merge_points`` makes them (``inverse`` is empty: the pairs stay on the executors)."""
    table = counts.groupBy("n", "e").count().toArrow()
    n = table.column("n").to_numpy().astype(np.float64)
    e = table.column("e").to_numpy().astype(np.float64)
    w = table.column("count").to_numpy().astype(np.float64)
    order = np.lexsort((e, n))
    return gps.Points(n[order], e[order], w[order], np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class FdrRule:
    """The FDR flag of a whole table, applied pair by pair, exactly as ``flags.bayesian_fdr`` flags it:
    every pair at or below ``cutoff`` (a tie at the cutoff is taken whole or not at all); none when
    ``cutoff`` is −inf."""

    cutoff: float = -np.inf

    def flags(self, post_h0: npt.NDArray[np.float64]) -> pa.Array:
        return pa.array(post_h0 <= self.cutoff, pa.bool_())


def fdr_rank(
    post_h0: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], level: float
) -> tuple[FdrRule, Tie]:
    """The rule of ``bayesian_fdr`` over the pairs of weighted points (the same running mean, added in the
    same order, as over the pairs themselves) and the tie it left out."""
    ranked = np.sort(np.repeat(post_h0, weights.astype(np.int64)), kind="stable")
    k, tie = fdr_cut(ranked, level)
    return (FdrRule(float(ranked[k - 1])) if k else FdrRule()), tie


def fdr_rule(points: gps.Points, scores: gps.Scores, level: float, min_n: int) -> tuple[FdrRule, Tie]:
    """The table's :class:`FdrRule`, found on the points of the pairs kept (N ≥ ``min_n``)."""
    keep = points.n >= min_n
    return fdr_rank(scores.post_h0[keep], points.w[keep], level)


def score_batches(
    eb: bool, thresholds: Thresholds, min_n: int, rule: FdrRule, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Every measure of the pairs of each batch (counts and their points' EB scores): runs on the
    executors."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        table = pa.Table.from_batches([batch])
        counts = Counts.from_arrow(table)
        scores = None
        if eb:
            scores = gps.Scores(
                *(table.column(name).to_numpy().astype(np.float64) for name in scoring.EB_COLUMNS)
            )
        scored = scoring.score_table(counts, scores, thresholds, min_n)
        if eb and scored.num_rows:
            post_h0 = scored.column("post_h0").to_numpy()
            flag = rule.flags(post_h0)
            scored = scored.set_column(scored.schema.get_field_index("flag_fdr"), "flag_fdr", flag)
        yield from scored.cast(pa.schema([(f.name, _plain(f.type)) for f in scored.schema])).to_batches()


def _plain(data_type: pa.DataType) -> pa.DataType:
    """The type Spark takes: a large or dictionary-encoded string as a string."""
    if pa.types.is_dictionary(data_type):
        return _plain(data_type.value_type)
    return pa.string() if pa.types.is_large_string(data_type) else data_type


def top_order(eb: bool) -> list[Any]:
    """Spark's order of the strongest pairs (``pipeline.strongest``'s: descending, NaN and null last,
    ties in the table's order)."""
    from pyspark.sql import functions as F

    keys = ("eb05", "ebgm") if eb else ("ic025", "prr_lower")
    return [F.expr(f"CASE WHEN isnan({k}) THEN NULL ELSE {k} END").desc_nulls_last() for k in keys] + [
        F.col("product").asc(),
        F.col("event").asc(),
    ]


@dataclass
class Part:
    """One scored table: all reports, or those up to a quarter's end (``label``)."""

    label: str
    fit: gps.PriorFit
    frame: Any  # the scored pairs, a DataFrame with scoring.OUTPUT_COLUMNS
    eb: bool
    fdr_tie: str = ""  # the FDR flag's tie left unflagged (Tie.note)


def _score_part(
    long: SparkLong, frame: Any, settings: RunSettings, stages: Stages, label: str
) -> tuple[SparkCounting, Part | None]:
    counting = SparkCounting(frame, long.tables, settings.margins, long.stratified, settings.names)
    counts = counting.frame.persist()
    counting.cached.append(counts)
    with stages("count pairs and collect (n, e) points (spark)"):
        points = collect_points(counts)
    if len(points.n) == 0:
        return counting, None
    with stages("fit prior"):
        fit = gps.fit_prior(points.n, points.e, selection=settings.prior_selection, points=points)
    eb = settings.eb_scored(fit)
    rule, tie = FdrRule(), Tie()
    with stages("score EBGM/EB05/EB95 of the (n, e) points"):
        if eb:
            distinct = gps.score_points(fit.prior, points.n, points.e)
            scored_points = dict(zip(scoring.EB_COLUMNS, astuple(distinct), strict=True))
            rule, tie = fdr_rule(points, distinct, settings.thresholds.fdr, settings.min_n)
        else:
            scored_points = {name: np.full(len(points.n), np.nan) for name in scoring.EB_COLUMNS}
    table = pa.table({"n": points.n.astype(np.int64), "e": points.e, **scored_points})
    joined = counts.join(counts.sparkSession.createDataFrame(table), ["n", "e"], "left")
    scorer = partial(score_batches, eb, settings.thresholds, settings.min_n, rule)
    note = tie.note(settings.thresholds.fdr)
    return counting, Part(label, fit, joined.mapInArrow(scorer, SCHEMA), eb, note)


def _temporary_sibling(out: str) -> str:
    head, _, name = out.rstrip("/").rpartition("/")
    return f"{head + '/' if head else ''}.{name}.{uuid.uuid4().hex[:8]}.tmp"


def _replace(spark: Any, temporary: str, target: str) -> None:
    """Rename the finished output onto the target (on any filesystem Spark writes to)."""
    fs, source = hadoop_path(spark, temporary)
    _, destination = hadoop_path(spark, target)
    if fs.exists(destination):
        fs.delete(destination, True)
    if not fs.rename(source, destination):
        raise AnalysisInputError(f"cannot move the finished output to {target!r}")


def _write_text(spark: Any, path: str, text: str) -> None:
    local = local_path(path)
    if local is not None:
        output.write_text(text, local)
        return
    fs, target = hadoop_path(spark, path)
    stream = fs.create(target, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def record_path(out: str) -> str:
    """``signals.parquet`` → ``signals.run.json`` beside it (a URL's ``//`` kept)."""
    return out.rstrip("/")[: -len(".parquet")] + ".run.json"


def check_spark_output(out: str | os.PathLike[str]) -> None:
    """The pair table of a Spark run is a Parquet directory written by the executors."""
    if not str(out).lower().rstrip("/").endswith(".parquet"):
        raise AnalysisInputError(
            f"with --engine spark, --out is a Parquet directory written by the executors: {str(out)!r} must "
            "end in .parquet"
        )
    local = local_path(out)
    if local is not None and not local.absolute().parent.is_dir():
        raise AnalysisInputError(f"output directory {str(local.parent)!r} does not exist")
    if local is not None:
        output.check_writable(local.absolute(), "--out")


def input_record(spark: Any, path: str | os.PathLike[str], source: str) -> dict[str, Any]:
    """The input's record: as a DuckDB run's for a local file; for a directory or a remote path its size
    (read from the filesystem), and no SHA-256 (the driver does not read the data)."""
    local = local_path(path)
    if local is not None and local.is_file():
        return provenance.input_record(local, source)
    fs, target = hadoop_path(spark, path)
    return {
        "name": str(path).rstrip("/").rsplit("/", 1)[-1],
        "path": str(path),
        "source": source,
        "sha256": None,
        "sha256_note": "not computed: a directory or a cluster filesystem's path, read by Spark only",
        "bytes": int(fs.getContentSummary(target).getLength()),
    }


def _output_schema(with_period: bool) -> pa.Schema:
    types = {"string": pa.string(), "bigint": pa.int64(), "boolean": pa.bool_(), "double": pa.float64()}
    fields = [(name, types[_spark_type(name)]) for name in scoring.OUTPUT_COLUMNS]
    return pa.schema(([("period", pa.string())] if with_period else []) + fields)


def _stream_csv(frame: Any, sink: IO[bytes], first: bool, with_period: bool) -> None:
    """The table as CSV in DuckDB's order (product, event), fetched one partition at a time (never the
    whole table on the driver); formula-looking cells escaped as in every CSV of the analysis."""
    import pyarrow.csv as pacsv

    schema = _output_schema(with_period)
    rows: list[dict[str, Any]] = []
    header = first

    def flush() -> None:
        nonlocal header
        table = output.csv_safe(pa.Table.from_pylist(rows, schema=schema))
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=header))
        rows.clear()
        header = False

    ordered = frame.select(*schema.names).orderBy("product", "event")
    for row in ordered.toLocalIterator():
        rows.append(row.asDict())
        if len(rows) >= 65536:
            flush()
    if rows or header:
        flush()


@dataclass
class _Sinks:
    """Where each scored part goes: the Parquet directory (via a temporary sibling), or stdout."""

    temporary: str | None
    sink: IO[bytes] | None
    quarterly: bool
    streamed: bool = False

    def write(self, scored: Any, label: str) -> None:
        from pyspark.sql import functions as F

        labelled = scored.withColumn("period", F.lit(label)) if self.quarterly else scored
        if self.temporary is not None:
            if self.quarterly:
                labelled.write.mode("append").partitionBy("period").parquet(self.temporary)
            else:
                scored.write.mode("overwrite").parquet(self.temporary)
        elif self.sink is not None:
            _stream_csv(labelled, self.sink, not self.streamed, self.quarterly)
            self.streamed = True


def _strongest(part: Part, top: int, quarterly: bool) -> pa.Table:
    ordered = part.frame.orderBy(*top_order(part.eb))
    strongest = ordered.limit(top).toArrow()
    strongest = strongest.cast(_output_schema(False))
    if quarterly:
        strongest = strongest.add_column(
            0, "period", pa.array([part.label] * strongest.num_rows, pa.string())
        )
    return strongest


@dataclass(frozen=True)
class Found:
    """What the provenance says of the input: the path read, its record (a CSV/Parquet input), the FAERS
    or E2B reading, the hierarchy."""

    path: str
    input_info: dict[str, Any] | None
    source: sources.LongSource | None
    rolled: hierarchy.Hierarchy | None
    strata: Strata | None = None


def check_settings(settings: RunSettings) -> None:
    """What a Spark run needs, checked before Spark starts."""
    settings.check_period()
    if settings.out is not None:
        check_spark_output(settings.out)
    if settings.hyper_out is not None:
        output.check_output_path(settings.hyper_out, (".json",), option="--hyper-out")


def run(
    path: sources.Paths,
    settings: RunSettings,
    stages: Stages,
    top: int | None = None,
    sink: IO[bytes] | None = None,
    spark: Any = None,
) -> SparkResult:
    """Read, count, fit, score and write with Spark; the result's table holds only the ``top`` strongest
    pairs (of the last period). Without ``settings.out`` the table is streamed as CSV to ``sink``."""
    check_settings(settings)
    rolled = hierarchy.read_hierarchy(settings.rollup, settings.names) if settings.rollup else None
    with ExitStack() as scope:
        source = None
        if settings.input.format != "long":  # read on the driver by DuckDB (see the module's text)
            with stages(f"read {settings.input.format} input"):
                source = scope.enter_context(sources.long_source(path, settings.input, settings.columns))
            path, columns = str(source.path), source.columns
        else:
            if not isinstance(path, str | os.PathLike):
                raise AnalysisInputError("CSV/Parquet input is one file; several inputs are for FAERS or E2B")
            columns = settings.columns
        with stages("start spark"):
            spark = spark or spark_session(settings.master, conf=settings.spark_conf)
        with stages("read and check input (spark)"):
            long = spark_long_table(spark, str(path), columns, settings.max_strata_levels, settings.names)
            if rolled is not None and settings.rollup is not None:
                long = roll_up(long, rolled, settings.rollup)
        input_info = None if source is not None else input_record(spark, path, settings.source)
        strata = strata_of(long, columns.strata, settings.names)
        found = Found(str(path), input_info, source, rolled, strata)
        return _run_parts(spark, long, settings, stages, top, sink, found)
    raise AssertionError("unreachable")  # pragma: no cover


def _run_parts(
    spark: Any,
    long: SparkLong,
    settings: RunSettings,
    stages: Stages,
    top: int | None,
    sink: IO[bytes] | None,
    found: Found,
) -> SparkResult:
    quarterly = settings.period == "quarter"
    snapshots: list[tuple[str, Any]] = [("", None)]
    if quarterly:
        first, last = long.date_range()
        snapshots = list(periods.quarter_ends(first, last))
    out = None if settings.out is None else str(settings.out)
    sinks = _Sinks(None if out is None else _temporary_sibling(out), sink, quarterly)
    fits: list[tuple[str, gps.PriorFit]] = []
    parts_eb: list[bool] = []
    ties: list[str] = []
    strongest: pa.Table | None = None
    try:
        for label, end in snapshots:
            frame = long.frame if end is None else long.until(end).frame
            counting, part = _score_part(long, frame, settings, stages, label)
            try:
                if part is None:
                    continue
                fits.append((label, part.fit))
                parts_eb.append(part.eb)
                ties.append(part.fdr_tie)
                part.frame = part.frame.persist()
                with stages("score and write (spark executors)"):
                    sinks.write(part.frame, label)
                    if top is not None:
                        strongest = _strongest(part, top, quarterly)
                part.frame.unpersist()
            finally:
                counting.close()
        if not fits:
            raise AnalysisInputError("no product–event pairs to analyse")
        fitted = [
            provenance.Fitted(fit, not eb, label, tie)
            for (label, fit), eb, tie in zip(fits, parts_eb, ties, strict=True)
        ]
        with stages("write output"):
            record = provenance.run_record(
                found.path,
                settings,
                fitted[-1],
                fitted if quarterly else (),
                source=found.source,
                hierarchy=found.rolled,
                input_info=found.input_info,
                strata=found.strata,
            )
            if out is not None and sinks.temporary is not None:
                _replace(spark, sinks.temporary, out)
                _write_text(spark, record_path(out), json.dumps(record, indent=2) + "\n")
            if settings.hyper_out is not None:
                with output.writing(settings.hyper_out, "--hyper-out"):
                    output.write_json({**fits[-1][1].hyperparameters(), "run": record}, settings.hyper_out)
    finally:
        long.frame.unpersist()
        if sinks.temporary is not None:
            fs, target = hadoop_path(spark, sinks.temporary)
            if fs.exists(target):
                fs.delete(target, True)
    table = strongest if strongest is not None else _output_schema(quarterly).empty_table()
    return SparkResult(table, fits[-1][1], record, fits if quarterly else [])
