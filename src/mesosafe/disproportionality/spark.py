"""The Spark engine: a session for a master URL, and a file read by Spark into the long table.

Counting runs the same SQL text as DuckDB (``counting.count_spark``).
"""

from __future__ import annotations

import os
import re
from typing import Any

from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.files import backtick, read_file_spark
from mesosafe.disproportionality.reading import long_expressions
from mesosafe.lib.analysis_input import AnalysisInputError

# Spark master URLs this tool accepts: local, local[N], local[*], local[N,F], spark://…, yarn, k8s://…
SPARK_MASTER = re.compile(r"local(\[(\*|[1-9][0-9]*)(,[1-9][0-9]*)?\])?|spark://\S+|yarn|k8s://\S+")


def check_spark_master(master: str) -> str:
    if not SPARK_MASTER.fullmatch(master):
        raise AnalysisInputError(
            f"Spark master {master!r} is not one of local, local[N], local[*], spark://HOST:PORT, yarn, "
            "k8s://URL"
        )
    return master


def spark_session(master: str | None = None, driver_memory: str | None = None) -> Any:
    """A SparkSession; AnalysisInputError (naming the master) if Spark cannot start."""
    check_spark_master(master or "local[*]")
    try:
        return _spark_builder(master, driver_memory).getOrCreate()
    except Exception as exc:  # Java missing, master unreachable: one clear line, not a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AnalysisInputError(f"cannot start Spark with master {master or 'local[*]'!r}: {first}") from exc


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


def spark_long_table(
    spark: Any, path: str | os.PathLike[str], columns: LongColumns, integer_id: bool = False
) -> Any:
    """A (checked) file read by Spark and projected onto the long table: a DataFrame with the columns
    ``report_id, product, event, stratum`` (``integer_id`` as found by ``reading.long_table``)."""
    source = read_file_spark(spark, path)
    return source.selectExpr(*long_expressions(columns, backtick, integer_id))
