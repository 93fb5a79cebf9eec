"""The disproportionality pipeline: read → count → fit the prior → score, each step usable alone.

    con = duckdb.connect()
    register_frame(con, frame, LongColumns("report_id", "product", "event"))   # or register_long_rows
    counts = count_duckdb(con)
    result = disproportionality(counts)          # fits the prior and scores every pair

``result.table`` has exactly the columns of :data:`OUTPUT_COLUMNS`, at full precision.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa

from mesosafe.signals import gps, stats
from mesosafe.signals.counting import Counts, Margins, count_duckdb, count_spark
from mesosafe.signals.errors import SignalsInputError
from mesosafe.signals.io import (
    MAX_STRATUM_LEVELS,
    LongColumns,
    read_file,
    register_long_rows,
    spark_long_rows,
)

if TYPE_CHECKING:
    import duckdb

Engine = Literal["duckdb", "spark"]
OUTPUT_COLUMNS = (
    "product",
    "event",
    "n",
    "e",
    "rr",
    "prr",
    "prr_lower",
    "prr_upper",
    "chi2_yates",
    "ror",
    "ror_lower",
    "ror_upper",
    "ic",
    "ic025",
    "ebgm",
    "eb05",
    "eb95",
)
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


def disproportionality(
    counts: Counts,
    stages: Stages | None = None,
    fit: gps.PriorFit | None = None,
    selection: gps.Selection = "consensus",
) -> SignalsResult:
    """Fit the GPS prior (unless given) and compute every measure for every counted pair."""
    stages = stages or Stages()
    if len(counts) == 0:
        raise SignalsInputError("no product–event pairs to analyse")
    with stages("merge (n, e) points"):
        points = gps.merge_points(counts.n, counts.e)
    if fit is None:
        with stages("fit prior"):
            fit = gps.fit_prior(counts.n, counts.e, selection=selection, points=points)
    with stages("score EBGM/EB05/EB95"):
        scores = gps.score(fit.prior, counts.n, counts.e, points=points)
    with stages("frequentist measures"):
        table2x2 = (counts.n, counts.n_product, counts.n_event, counts.n_total)
        ror, ror_lower, ror_upper = stats.ror(*table2x2)
        prr_lower, prr_upper = stats.prr_interval(*table2x2)
        ic, ic025 = stats.information_component(counts.n, counts.e)
        table = pa.table(
            {
                "product": counts.product,
                "event": counts.event,
                "n": counts.n,
                "e": counts.e,
                "rr": stats.relative_ratio(counts.n, counts.e),
                "prr": stats.prr(*table2x2),
                "prr_lower": prr_lower,
                "prr_upper": prr_upper,
                "chi2_yates": stats.chi_square_yates(*table2x2),
                "ror": ror,
                "ror_lower": ror_lower,
                "ror_upper": ror_upper,
                "ic": ic,
                "ic025": ic025,
                "ebgm": scores.ebgm,
                "eb05": scores.eb05,
                "eb95": scores.eb95,
            }
        )
    return SignalsResult(table, fit, dict(stages.seconds))


def duckdb_connection(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def count_file_duckdb(
    path: str | os.PathLike[str],
    columns: LongColumns,
    margins: Margins = "unique",
    max_levels: int = MAX_STRATUM_LEVELS,
    stages: Stages | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Counts:
    import duckdb

    stages = stages or Stages()
    con = con or duckdb_connection()
    with stages("read and check input"):  # a CSV is parsed once, into a temporary table
        register_long_rows(con, read_file(con, path), columns, max_levels)
    with stages("count pairs (duckdb)"):
        try:
            return count_duckdb(con, margins, stratified=bool(columns.strata))
        except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
            raise SignalsInputError(f"cannot read {str(path)!r}: {str(exc).splitlines()[0]}") from exc


# Spark master URLs this tool accepts: local, local[N], local[*], local[N,F], spark://…, yarn, k8s://…
SPARK_MASTER = re.compile(r"local(\[(\*|[1-9][0-9]*)(,[1-9][0-9]*)?\])?|spark://\S+|yarn|k8s://\S+")


def check_spark_master(master: str) -> str:
    if not SPARK_MASTER.fullmatch(master):
        raise SignalsInputError(
            f"Spark master {master!r} is not one of local, local[N], local[*], spark://HOST:PORT, yarn, "
            "k8s://URL"
        )
    return master


def spark_session(master: str | None = None, driver_memory: str | None = None) -> Any:
    """A SparkSession; SignalsInputError (naming the master) if Spark cannot start."""
    check_spark_master(master or "local[*]")
    try:
        return _spark_builder(master, driver_memory).getOrCreate()
    except Exception as exc:  # Java missing, master unreachable: one clear line, not a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SignalsInputError(f"cannot start Spark with master {master or 'local[*]'!r}: {first}") from exc


def _spark_builder(master: str | None, driver_memory: str | None) -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master or "local[*]")
        .appName("mesosafe-signals")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("MESOSAFE_SPARK_PARTITIONS", "16"))
    )
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    return builder


def count_file_spark(
    path: str | os.PathLike[str],
    columns: LongColumns,
    margins: Margins = "unique",
    max_levels: int = MAX_STRATUM_LEVELS,
    stages: Stages | None = None,
    spark: Any = None,
    master: str | None = None,
) -> Counts:
    """Check the file with DuckDB (cheap, same messages), then count it with Spark SQL."""
    stages = stages or Stages()
    with stages("read and check input"):
        con = duckdb_connection()
        checked = register_long_rows(con, read_file(con, path), columns, max_levels)
        con.close()
    with stages("start spark"):
        spark = spark or spark_session(master)
    with stages("count pairs (spark)"):
        spark_long_rows(spark, path, columns, checked.integer_id)
        return count_spark(spark, margins, stratified=bool(columns.strata))


def run_file(
    path: str | os.PathLike[str],
    columns: LongColumns,
    engine: Engine = "duckdb",
    margins: Margins = "unique",
    max_levels: int = MAX_STRATUM_LEVELS,
    master: str | None = None,
    hook: StageHook | None = None,
) -> SignalsResult:
    stages = Stages(hook)
    if engine == "spark":
        counts = count_file_spark(path, columns, margins, max_levels, stages, master=master)
    else:
        counts = count_file_duckdb(path, columns, margins, max_levels, stages)
    return disproportionality(counts, stages)


def strongest(table: pa.Table, top: int) -> pa.Table:
    """The ``top`` pairs by EB05, then EBGM (descending)."""
    order = np.lexsort((-table.column("ebgm").to_numpy(), -table.column("eb05").to_numpy()))
    return table.take(pa.array(order[:top]))
