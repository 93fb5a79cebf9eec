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

if TYPE_CHECKING:
    from mesosafe.disproportionality.labels import Labels
    from mesosafe.disproportionality.reading import LongTable

Margins = Literal["unique", "table"]
MARGINS: tuple[Margins, ...] = ("unique", "table")
RESULT_COLUMNS = ("product", "event", "n", "e", "n_product", "n_event", "n_total")


def _dictionary(column: str, code: str, source: str) -> str:
    # Integer codes in sorted order, so ordering by code equals ordering by value.
    return (
        f"SELECT {column}, CAST(ROW_NUMBER() OVER (ORDER BY {column}) AS INT) AS {code} "
        f"FROM (SELECT DISTINCT {column} FROM {source}) t"
    )


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
    margins: Margins = "unique", stratified: bool = False, source: str = "long_table"
) -> list[tuple[str, str]]:
    """The counting SQL over the long table named ``source`` and the code tables of ``Labels.tables()``
    (several spellings may share a code): (name, SELECT) steps; the last one is the result, ordered by
    product, event."""
    if margins not in MARGINS:
        raise ValueError(f"margins must be one of {MARGINS}, not {margins!r}")
    # Without strata every report is in the single stratum 1, so coded is already unique per cell.
    cells_source = (
        "(SELECT report_id, pid, eid FROM coded GROUP BY report_id, pid, eid) u" if stratified else "coded"
    )
    steps = [
        ("strata", _dictionary("stratum", "sid", source)),
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
    steps += [
        (
            "expected",
            "SELECT c.pid, c.eid, "
            "SUM(CAST(pm.c AS DOUBLE) * CAST(em.c AS DOUBLE) / CAST(t.c AS DOUBLE)) AS e "
            "FROM cells c JOIN product_margins_s pm ON pm.pid = c.pid "
            "JOIN event_margins_s em ON em.eid = c.eid AND em.sid = pm.sid "
            "JOIN totals_s t ON t.sid = pm.sid GROUP BY c.pid, c.eid",
        ),
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
    steps = counting_steps(margins, long.stratified, source)
    created = [source]
    try:
        long.relation.create_view(source, replace=True)
        for name, table in long.labels.tables().items():
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


def count_spark(long: Any, labels: Labels, margins: Margins = "unique", stratified: bool = False) -> Counts:
    """Count the pairs of a long table given as a Spark DataFrame (with its code tables, from the same
    ``reading`` step as DuckDB's), with the same SQL text."""
    spark, source = long.sparkSession, temporary_name("long_table")
    steps = counting_steps(margins, stratified, source)
    long.createOrReplaceTempView(source)
    views, cached = [source], []
    try:
        for name, table in labels.tables().items():
            spark.createDataFrame(table).createOrReplaceTempView(name)
            views.append(name)
        for name, sql in steps[:-1]:
            frame = spark.sql(sql).cache()
            frame.createOrReplaceTempView(name)
            cached.append(frame)
            views.append(name)
        table = spark.sql(steps[-1][1]).toArrow()
    finally:
        for frame in cached:
            frame.unpersist()
        for name in views:
            spark.catalog.dropTempView(name)
    return Counts.from_arrow(table)
