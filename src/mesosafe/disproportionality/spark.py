"""The Spark engine's session and paths: a master URL (or the one ``spark-submit`` gave), ``--conf``
settings, Spark's own log kept off the progress display, and paths on any filesystem Spark can read.

Counting runs the same SQL text as DuckDB (``counting.SparkCounting``); reading and checking the input is
``spark_input``; the run that keeps the pair table on the executors is ``spark_run``.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from mesosafe.lib.analysis_input import AnalysisInputError

# Spark master URLs this tool accepts: local, local[N], local[*], local[N,F], spark://…, yarn, k8s://…
SPARK_MASTER = re.compile(r"local(\[(\*|[1-9][0-9]*)(,[1-9][0-9]*)?\])?|spark://\S+|yarn|k8s://\S+")
# set unless the user (--conf, or spark-submit) set them
DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": os.environ.get("MESOSAFE_SPARK_PARTITIONS", "16"),
}
CONF_KEY = re.compile(r"spark\.[A-Za-z0-9_.\-]+")


def check_spark_master(master: str) -> str:
    if not SPARK_MASTER.fullmatch(master):
        raise AnalysisInputError(
            f"Spark master {master!r} is not one of local, local[N], local[*], spark://HOST:PORT, yarn, "
            "k8s://URL"
        )
    return master


def parse_conf(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--conf key=value`` settings (as spark-submit takes them); the key must be a spark.* key."""
    parsed = []
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not CONF_KEY.fullmatch(key.strip()):
            raise AnalysisInputError(f"--conf {item!r} is not key=value with a spark.* key")
        parsed.append((key.strip(), value))
    return tuple(parsed)


def under_spark_submit() -> bool:
    """This Python was started by spark-submit (which gives the master and the submitted --conf)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def spark_session(
    master: str | None = None, driver_memory: str | None = None, conf: Sequence[tuple[str, str]] = ()
) -> Any:
    """A SparkSession; AnalysisInputError (naming the master) if Spark cannot start.

    Without ``master`` the master is spark-submit's ``--master`` (or Spark's default, ``local[*]``): it is
    set here only when given."""
    if master is not None:
        check_spark_master(master)
    where = master or "the one spark-submit gave (default local[*])"
    if under_spark_submit():
        _quiet_running_driver()
    try:
        with _stderr_to(None if under_spark_submit() else spark_log()):
            session = _spark_builder(master, driver_memory, conf).getOrCreate()
    except Exception as exc:  # Java missing, master unreachable: one clear line, not a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log = "" if under_spark_submit() else f" (Spark's log: {spark_log()})"
        raise AnalysisInputError(f"cannot start Spark with master {where!r}: {first}{log}") from exc
    session.sparkContext.setLogLevel("ERROR")
    # PySpark warns about the pandas version whenever mapInArrow is planned; mesosafe does not use pandas
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    return session


def spark_log() -> Path:
    """Where the driver JVM started here writes its stderr (Spark's own log, Python workers' output)."""
    return Path(tempfile.gettempdir()) / f"mesosafe-spark-{os.getpid()}.log"


@contextmanager
def _stderr_to(log: Path | None) -> Iterator[None]:
    """Start the driver JVM with its stderr on ``log``, not on the progress display: the JVM (and the
    processes it starts) keep the file they inherit; this process's stderr is restored at once."""
    from pyspark import SparkContext

    if log is None or SparkContext._active_spark_context is not None:
        yield
        return
    sys.stderr.flush()
    saved, target = os.dup(2), os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(target, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(target)


def _quiet_running_driver() -> None:
    """Under spark-submit the driver's JVM already runs (with Spark's INFO log): set its log to ERROR
    before the context starts, so starting it does not print over the progress display."""
    from pyspark import SparkContext

    SparkContext._ensure_initialized()
    jvm = SparkContext._jvm
    assert jvm is not None
    jvm.org.apache.logging.log4j.core.config.Configurator.setRootLevel(
        jvm.org.apache.logging.log4j.Level.ERROR
    )


def _submitted() -> dict[str, str]:
    if not under_spark_submit():
        return {}
    from pyspark import SparkConf

    return dict(SparkConf().getAll())


def _spark_builder(master: str | None, driver_memory: str | None, conf: Sequence[tuple[str, str]]) -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    given = {**_submitted(), **dict(conf)}
    settings = {key: value for key, value in DEFAULTS.items() if key not in given}
    if "spark.pyspark.python" not in given and "PYSPARK_PYTHON" not in os.environ:
        # the executors score pairs with mesosafe's own functions: by default, with this Python (a
        # cluster whose executors have another path sets spark.pyspark.python, docs/signals.md)
        settings["spark.pyspark.python"] = sys.executable
        os.environ["PYSPARK_PYTHON"] = sys.executable  # what PySpark's local mode reads
    if driver_memory and "spark.driver.memory" not in given:
        settings["spark.driver.memory"] = driver_memory
    builder = SparkSession.builder.appName("mesosafe-signals")
    if master is not None:
        builder = builder.master(master)
    for key, value in {**settings, **dict(conf)}.items():
        builder = builder.config(key, value)
    return builder


def local_path(path: str | os.PathLike[str]) -> Path | None:
    """The local file of a path without a scheme or with ``file:``; None for hdfs://, s3a://, …"""
    text = str(path)
    scheme = urlparse(text).scheme
    if scheme == "file":
        return Path(urlparse(text).path)
    return Path(text) if scheme == "" or len(scheme) == 1 else None  # one letter: a Windows drive


def hadoop_path(spark: Any, path: str | os.PathLike[str]) -> tuple[Any, Any]:
    """(the Hadoop FileSystem, the Hadoop Path) of a path, through the driver's JVM."""
    jvm = spark.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(str(path))
    return target.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), target
