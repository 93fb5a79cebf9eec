"""`mesosafe signals --engine spark` submitted to a real standalone Spark cluster (a master and one worker
started from PySpark's own launcher), on a file:// path, with a driver result limit too small for the pair
table: the numbers are DuckDB's, bit for bit, stratified and not."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mesosafe.disproportionality import pipeline
from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.settings import RunSettings

# ports of the cluster and of the submitted driver (the tests' range: 8170-8199)
MASTER_PORT, MASTER_UI, WORKER_PORT, WORKER_UI, DRIVER_PORT, BLOCK_PORT = 8170, 8171, 8172, 8173, 8174, 8176
MASTER = f"spark://127.0.0.1:{MASTER_PORT}"
RESULT_LIMIT = "1m"  # spark.driver.maxResultSize: the CAERS pair table (about 3 MB) does not fit


def _spark_bin() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin"


def _environment(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_HOME": str(_spark_bin().parent),
        "SPARK_WORKER_DIR": str(tmp / "work"),
        "SPARK_LOG_DIR": str(tmp / "logs"),
        "PYSPARK_PYTHON": sys.executable,
    }


def _alive_workers() -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{MASTER_UI}/json/", timeout=2) as reply:
            return int(json.load(reply).get("aliveworkers", 0))
    except (OSError, ValueError):
        return 0


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop one process the fixture started, by its id (SIGTERM, then SIGKILL)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A standalone master and one worker (1 core, 1 GiB); both stopped by their process ids."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("MESOSAFE_REQUIRE_SERVICES") == "1":
            pytest.fail("Java is required for the Spark cluster test (MESOSAFE_REQUIRE_SERVICES=1)")
        pytest.skip("Java not installed")
    tmp = tmp_path_factory.mktemp("spark-cluster")
    env = _environment(tmp)
    launcher = str(_spark_bin() / "spark-class")
    logs = (tmp / "master.log").open("wb"), (tmp / "worker.log").open("wb")
    master = subprocess.Popen(
        [launcher, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
         "--port", str(MASTER_PORT), "--webui-port", str(MASTER_UI)],
        env=env, stdout=logs[0], stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 180
        while not _listening(MASTER_PORT):
            if time.monotonic() > deadline or master.poll() is not None:
                raise RuntimeError(f"the Spark master did not start; see {tmp}/master.log")
            time.sleep(0.5)
        worker = subprocess.Popen(
            [launcher, "org.apache.spark.deploy.worker.Worker", MASTER, "--host", "127.0.0.1",
             "--port", str(WORKER_PORT), "--webui-port", str(WORKER_UI), "--cores", "1", "--memory", "1g"],
            env=env, stdout=logs[1], stderr=subprocess.STDOUT,
        )  # fmt: skip
        while _alive_workers() < 1:
            if time.monotonic() > deadline or master.poll() is not None or worker.poll() is not None:
                raise RuntimeError(f"the Spark cluster did not start; see {tmp}/master.log and worker.log")
            time.sleep(0.5)
        yield env
    finally:
        if worker is not None:
            _stop(worker)
        _stop(master)
        for log in logs:
            log.close()


def _submit(env: dict[str, str], tmp: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    entry = tmp / "mesosafe_main.py"
    entry.write_text("from mesosafe.cli import main\n\nmain()\n")
    command = [
        str(_spark_bin() / "spark-submit"),
        "--master", MASTER,
        "--conf", f"spark.driver.maxResultSize={RESULT_LIMIT}",
        "--conf", "spark.executor.memory=512m",
        "--conf", "spark.driver.memory=1g",
        "--conf", f"spark.driver.port={DRIVER_PORT}",
        "--conf", f"spark.blockManager.port={BLOCK_PORT}",
        "--conf", "spark.port.maxRetries=8",
        str(entry), "signals", *args,
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([("product", "ascending"), ("event", "ascending")])


def _identical(got: pa.ChunkedArray, want: pa.ChunkedArray) -> bool:
    """The same values, floats bit for bit (NaN where the other has NaN)."""
    if pa.types.is_floating(want.type):
        return got.type == want.type and np.array_equal(got.to_numpy(), want.to_numpy(), equal_nan=True)
    return got.type == want.type and got.to_pylist() == want.to_pylist()


@pytest.mark.spark
@pytest.mark.parametrize("strata", [(), ("strat1",)])
def test_a_job_submitted_to_a_standalone_cluster_gives_duckdb_s_numbers(
    cluster: dict[str, str], caers_path: Path, tmp_path: Path, strata: tuple[str, ...]
) -> None:
    columns = LongColumns("id", "var1", "var2", strata)
    duck = pipeline.run(caers_path, RunSettings(columns, out=tmp_path / "duck.parquet"))
    # the pair table would not fit under the driver's result limit: it must stay on the executors
    assert duck.table.nbytes > 2 * 1024 * 1024
    out = tmp_path / "spark.parquet"
    strata_args = [arg for name in strata for arg in ("--strata", name)]
    done = _submit(
        cluster,
        tmp_path,
        [caers_path.as_uri(), "--engine", "spark", "--id", "id", "--product", "var1", "--event", "var2",
         *strata_args, "--conf", "spark.sql.shuffle.partitions=4", "--out", out.as_uri(), "--top", "5",
         "--hyper-out", str(tmp_path / "prior.json")],
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    assert "Traceback" not in done.stderr
    assert len(list(out.glob("part-*.parquet"))) >= 2  # written by the executors, partitioned
    sparked = _sorted(pq.read_table(out))
    expected = pq.read_table(tmp_path / "duck.parquet")
    assert sparked.column_names == expected.column_names
    for name in expected.column_names:
        assert _identical(sparked.column(name), expected.column(name)), name
    prior = json.loads((tmp_path / "prior.json").read_text())
    assert prior["alpha1"] == duck.fit.prior.alpha1 and prior["run"]["engine"] == "spark"
    record = json.loads((tmp_path / "spark.run.json").read_text())
    assert record["input"]["sha256"] == duck.record["input"]["sha256"]
    assert record["spark_conf"] == {"spark.sql.shuffle.partitions": "4"}
    assert record["flag_thresholds"] == duck.record["flag_thresholds"]
    strongest = pipeline.strongest(expected, 5).column("product").to_pylist()
    assert all(product[:12] in done.stdout for product in strongest)  # long names are cut to fit
