"""The Spark engine counts exactly as DuckDB does (the same SQL text)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mesosafe.disproportionality.counting import count_spark
from mesosafe.disproportionality.pipeline import count_file
from mesosafe.disproportionality.reading import LongColumns
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.disproportionality.spark import check_spark_master
from mesosafe.lib.analysis_input import AnalysisInputError
from tests.disproportionality.test_counting import SMALL


@pytest.mark.parametrize("master", ["local", "local[2]", "local[*]", "local[2,3]", "spark://h:7077", "yarn"])
def test_spark_master_urls(master: str) -> None:
    assert check_spark_master(master) == master


def test_a_bad_master_is_named() -> None:
    with pytest.raises(AnalysisInputError, match="'bogus://x'"):
        check_spark_master("bogus://x")


@pytest.mark.spark
@pytest.mark.parametrize(
    ("strata", "margins"), [((), "unique"), (("strat1",), "unique"), (("strat1",), "table")]
)
def test_spark_gives_the_same_counts_as_duckdb(
    spark: Any, caers_path: Path, strata: tuple[str, ...], margins: str
) -> None:
    columns = LongColumns("id", "var1", "var2", strata)
    settings = RunSettings(columns, margins)  # type: ignore[arg-type]
    duck = count_file(caers_path, settings)
    sparked = count_file(caers_path, replace(settings, engine="spark"), spark=spark)
    assert duck.product.to_pylist() == sparked.product.to_pylist()
    assert duck.event.to_pylist() == sparked.event.to_pylist()
    np.testing.assert_array_equal(duck.n, sparked.n)
    np.testing.assert_array_equal(duck.n_product, sparked.n_product)
    np.testing.assert_array_equal(duck.n_event, sparked.n_event)
    assert duck.n_total == sparked.n_total
    np.testing.assert_allclose(duck.e, sparked.e, rtol=1e-13)


@pytest.mark.spark
def test_spark_counts_a_long_table_given_as_a_data_frame(spark: Any) -> None:
    long = spark.createDataFrame(SMALL.rename(columns={"id": "report_id"}).assign(stratum="all"))
    counts = count_spark(long)
    assert counts.n_total == 5
    assert (
        dict(
            zip(zip(counts.product.to_pylist(), counts.event.to_pylist(), strict=True), counts.n, strict=True)
        )[("B", "y")]
        == 2
    )


@pytest.mark.spark
def test_spark_reads_a_csv_as_duckdb_does(spark: Any, tmp_path: Path) -> None:
    # whole-number text ids compare as integers (" 01" is report 1); labels stay as written, quotes honoured
    source = tmp_path / "in.csv"
    source.write_text('id,product,event\n1,007,x\n" 01","a, b",x\n2,007,y\n3,1.50,x\n')
    columns = LongColumns("id", "product", "event")
    duck = count_file(source, RunSettings(columns))
    sparked = count_file(source, RunSettings(columns, engine="spark"), spark=spark)
    assert duck.product.to_pylist() == sparked.product.to_pylist() == ["007", "007", "1.50", "a, b"]
    np.testing.assert_array_equal(duck.n_product, sparked.n_product)
    assert duck.n_total == sparked.n_total == 3
