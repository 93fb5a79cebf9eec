from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CAERS = Path(__file__).resolve().parents[1] / "data" / "caers_subset.csv"  # see tests/data/README.md


@pytest.fixture(scope="session")
def caers_path() -> Path:
    return CAERS


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local SparkSession for the whole run (startup is slow)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("MESOSAFE_REQUIRE_SERVICES") == "1":
            pytest.fail("Java is required for the Spark tests (MESOSAFE_REQUIRE_SERVICES=1)")
        pytest.skip("Java not installed")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("MESOSAFE_SPARK_PARTITIONS", "2")
    from mesosafe.disproportionality.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
