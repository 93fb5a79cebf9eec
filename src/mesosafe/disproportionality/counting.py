"""Counting product × event pairs: one SQL definition, run by DuckDB (embedded) or Spark.

The input is the long table (``reading.LongTable``, or a Spark DataFrame with the same columns
``report_id, product, event, stratum``), one row per (report, product, event); the output is
:class:`Counts`. The counting is a list of named SQL steps; each engine runs the *same* text,
materialising every step as a temporary table (DuckDB) or a cached temporary view (Spark) that lives only
for the call and is dropped before it returns.

Definitions (openEBGM's, DuMouchel 1999 with unique-report margins):

* ``n``: distinct reports naming both the product and the event (duplicate rows count once).
* ``unique`` margins: distinct reports naming the product, the event, and in all, per stratum.
* ``table`` margins (PhViD style): sums of the cell counts over the table, per stratum.
* ``e`` = Σ_s n_product,s · n_event,s / n_s (one stratum when no stratum column is given).
* ``n_product``, ``n_event``, ``n_total``: unstratified margins of the chosen kind, for PRR and ROR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from mesosafe.disproportionality import arrow
from mesosafe.disproportionality.files import temporary_name
from mesosafe.disproportionality.strata import stratum_names

if TYPE_CHECKING:
    from mesosafe.disproportionality.labels import Labels, Names
    from mesosafe.disproportionality.reading import LongTable

Margins = Literal["unique", "table"]
MARGINS: tuple[Margins, ...] = ("unique", "table")
RESULT_COLUMNS = ("product", "event", "n", "e", "n_product", "n_event", "n_total")


def strata_table(levels: list[str], names: Names = "normalised") -> pa.Table:
    """Each stratum spelling and its stratum's code 1, 2, … in the sorted order of the strata (several
    spellings share one when names are normalised: ``strata.stratum_names``).

    Made on the driver from the distinct spellings (few: at most the checked number of levels), so no
    engine numbers rows with a global window."""
    spellings = sorted(set(levels))
    named = stratum_names(spellings, names)
    code_of = {name: code for code, name in enumerate(sorted(set(named.values())), start=1)}
    return arrow.table(
        {
            "stratum": arrow.strings(spellings),
            "sid": arrow.integers([code_of[named[s]] for s in spellings], np.int32),
        }
    )


def _strata_count(table: pa.Table) -> int:
    return len(set(table.column("sid").to_pylist()))


def _expected_sum(strata: int) -> str:
    # E is summed over the strata in the fixed order of their codes, (t1 + t2) + t3 …, so both engines
    # add the same terms in the same order and give the same bits (a SQL SUM adds in any order).
    terms = [f"COALESCE(MAX(CASE WHEN sid = {s} THEN term END), 0.0)" for s in range(1, strata + 1)]
    return " + ".join(terms)


def _margin_steps(margins: Margins, stratified: bool) -> list[tuple[str, str]]:
    if margins == "unique":
        count, source = "COUNT(DISTINCT report_id)", "coded"
    else:
        count, source = "SUM(n)", "cells_s" if stratified else "cells"
    steps = [
        ("product_margins", f"SELECT pid, {count} AS c FROM {source} GROUP BY pid"),
        ("event_margins", f"SELECT eid, {count} AS c FROM {source} GROUP BY eid"),
        ("totals", f"SELECT {count} AS c FROM {source}"),
    ]
    if not stratified:  # the single stratum's margins are the overall margins
        return [
            *steps,
            ("product_margins_s", "SELECT pid, 1 AS sid, c FROM product_margins"),
            ("event_margins_s", "SELECT eid, 1 AS sid, c FROM event_margins"),
            ("totals_s", "SELECT 1 AS sid, c FROM totals"),
        ]
    return [
        *steps,
        ("product_margins_s", f"SELECT pid, sid, {count} AS c FROM {source} GROUP BY pid, sid"),
        ("event_margins_s", f"SELECT eid, sid, {count} AS c FROM {source} GROUP BY eid, sid"),
        ("totals_s", f"SELECT sid, {count} AS c FROM {source} GROUP BY sid"),
    ]


def counting_steps(
    margins: Margins = "unique", stratified: bool = False, source: str = "long_table", strata: int = 1
) -> list[tuple[str, str]]:
    """The counting SQL over the long table named ``source``, the code tables of ``Labels.tables()``
    (several spellings may share a code) and the table ``strata`` of :func:`strata_table` (``strata``
    rows): (name, SELECT) steps; the last one is the result, ordered by product, event."""
    if margins not in MARGINS:
        raise ValueError(f"margins must be one of {MARGINS}, not {margins!r}")
    # Without strata every report is in the single stratum 1, so coded is already unique per cell.
    cells_source = (
        "(SELECT report_id, pid, eid FROM coded GROUP BY report_id, pid, eid) u" if stratified else "coded"
    )
    steps = [
        (
            "coded",
            f"SELECT l.report_id, p.pid, e.eid, s.sid FROM {source} l "
            "JOIN product_codes p ON l.product = p.product JOIN event_codes e ON l.event = e.event "
            "JOIN strata s ON l.stratum = s.stratum GROUP BY l.report_id, p.pid, e.eid, s.sid",
        ),
        ("cells", f"SELECT pid, eid, COUNT(*) AS n FROM {cells_source} GROUP BY pid, eid"),
    ]
    if margins == "table" and stratified:
        steps.append(("cells_s", "SELECT pid, eid, sid, COUNT(*) AS n FROM coded GROUP BY pid, eid, sid"))
    steps += _margin_steps(margins, stratified)
    term = "CAST(pm.c AS DOUBLE) * CAST(em.c AS DOUBLE) / CAST(t.c AS DOUBLE)"
    steps += [
        (
            "expected_s" if strata > 1 else "expected",
            f"SELECT c.pid, c.eid, {f'pm.sid, {term} AS term ' if strata > 1 else f'{term} AS e '}"
            "FROM cells c JOIN product_margins_s pm ON pm.pid = c.pid "
            "JOIN event_margins_s em ON em.eid = c.eid AND em.sid = pm.sid "
            "JOIN totals_s t ON t.sid = pm.sid",
        ),
    ]
    if strata > 1:
        steps.append(
            ("expected", f"SELECT pid, eid, {_expected_sum(strata)} AS e FROM expected_s GROUP BY pid, eid")
        )
    steps += [
        (
            "result",
            "SELECT p.product, e.event, CAST(c.n AS BIGINT) AS n, x.e, "
            "CAST(pm.c AS BIGINT) AS n_product, CAST(em.c AS BIGINT) AS n_event, "
            "CAST(t.c AS BIGINT) AS n_total "
            "FROM cells c JOIN expected x ON x.pid = c.pid AND x.eid = c.eid "
            "JOIN product_margins pm ON pm.pid = c.pid JOIN event_margins em ON em.eid = c.eid "
            "CROSS JOIN totals t JOIN product_names p ON p.pid = c.pid JOIN event_names e ON e.eid = c.eid "
            "ORDER BY c.pid, c.eid",
        ),
    ]
    return steps


@dataclass(frozen=True)
class Counts:
    """Counted pairs: labels as Arrow string arrays, numbers as NumPy arrays (one entry per pair)."""

    product: pa.Array
    event: pa.Array
    n: npt.NDArray[np.int64]
    e: npt.NDArray[np.float64]
    n_product: npt.NDArray[np.int64]
    n_event: npt.NDArray[np.int64]
    n_total: int

    def __len__(self) -> int:
        return len(self.n)

    def take(self, keep: npt.NDArray[np.bool_]) -> Counts:
        """The pairs where ``keep`` is true (the totals are those of the whole table)."""
        rows = arrow.from_numpy(np.flatnonzero(keep))
        return Counts(
            self.product.take(rows),
            self.event.take(rows),
            self.n[keep],
            self.e[keep],
            self.n_product[keep],
            self.n_event[keep],
            self.n_total,
        )

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Counts:
        def numbers(name: str, dtype: type) -> Any:
            return arrow.to_numpy(table.column(name)).astype(dtype, copy=False)

        totals = numbers("n_total", np.int64)
        return cls(
            product=table.column("product").combine_chunks(),
            event=table.column("event").combine_chunks(),
            n=numbers("n", np.int64),
            e=numbers("e", np.float64),
            n_product=numbers("n_product", np.int64),
            n_event=numbers("n_event", np.int64),
            n_total=int(totals[0]) if len(totals) else 0,
        )


def count_duckdb(long: LongTable, margins: Margins = "unique") -> Counts:
    """Count the pairs of a long table with DuckDB."""
    con, source = long.connection, temporary_name("long_table")
    levels = [row[0] for row in long.relation.project("stratum").distinct().fetchall()]
    strata = strata_table(levels, long.labels.names)
    steps = counting_steps(margins, long.stratified, source, _strata_count(strata))
    created = [source]
    try:
        long.relation.create_view(source, replace=True)
        for name, table in {**long.labels.tables(), "strata": strata}.items():
            arrow = temporary_name("labels")
            con.register(arrow, table)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {arrow}")
            con.unregister(arrow)
            created.append(name)
        for name, sql in steps[:-1]:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            created.append(name)
        table = con.sql(steps[-1][1]).to_arrow_table()
    finally:
        con.execute(f"DROP VIEW IF EXISTS {source}")
        for name in created[1:]:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return Counts.from_arrow(table)


class SparkCounting:
    """The counting SQL run by Spark over a long table (a DataFrame), kept on the executors.

    ``frame`` is the pair table (``RESULT_COLUMNS``, ordered by product, event) as a DataFrame: nothing is
    collected. Its steps are cached temporary views; ``close()`` drops them (use it as a context manager).
    ``tables`` are the code tables the SQL joins (``Labels.tables()``: Arrow tables, or Spark DataFrames
    made by the executors); the strata are collected (few: they were checked) and coded on the driver,
    their spellings named as ``names`` says.
    """

    def __init__(
        self,
        long: Any,
        tables: dict[str, Any],
        margins: Margins = "unique",
        stratified: bool = False,
        names: Names = "normalised",
    ) -> None:
        spark, source = long.sparkSession, temporary_name("long_table")
        levels = [row[0] for row in long.select("stratum").distinct().collect()]
        strata = strata_table(levels, names)
        steps = counting_steps(margins, stratified, source, _strata_count(strata))
        self.spark, self.views, self.cached = spark, [source], []
        long.createOrReplaceTempView(source)
        for name, table in {**tables, "strata": strata}.items():
            frame = spark.createDataFrame(table) if isinstance(table, pa.Table) else table
            frame.createOrReplaceTempView(name)
            self.views.append(name)
        for name, sql in steps[:-1]:
            step = spark.sql(sql).cache()
            step.createOrReplaceTempView(name)
            self.cached.append(step)
            self.views.append(name)
        self.frame = spark.sql(steps[-1][1])

    def close(self) -> None:
        for frame in self.cached:
            frame.unpersist()
        for name in self.views:
            self.spark.catalog.dropTempView(name)

    def __enter__(self) -> SparkCounting:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def count_spark(long: Any, labels: Labels, margins: Margins = "unique", stratified: bool = False) -> Counts:
    """Count the pairs of a long table given as a Spark DataFrame (with its code tables, from the same
    ``reading`` step as DuckDB's), with the same SQL text, and collect them (for small tables: a run
    keeps them on the executors, ``spark_run``)."""
    with SparkCounting(long, labels.tables(), margins, stratified, labels.names) as counting:
        return Counts.from_arrow(counting.frame.toArrow())
