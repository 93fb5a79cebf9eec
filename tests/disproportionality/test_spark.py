"""The Spark engine counts exactly as DuckDB does (the same SQL text)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.counting import Counts, count_spark
from mesosafe.disproportionality.labels import Labels, label_codes
from mesosafe.disproportionality.pipeline import count_file
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.disproportionality.spark import check_spark_master
from mesosafe.lib.analysis_input import AnalysisInputError
from tests.disproportionality.test_counting import SMALL, SPELLINGS


@pytest.mark.parametrize("master", ["local", "local[2]", "local[*]", "local[2,3]", "spark://h:7077", "yarn"])
def test_spark_master_urls(master: str) -> None:
    assert check_spark_master(master) == master


def test_a_bad_master_is_named() -> None:
    with pytest.raises(AnalysisInputError, match="'bogus://x'"):
        check_spark_master("bogus://x")


def assert_same_counts(duck: Counts, sparked: Counts) -> None:
    assert duck.product.to_pylist() == sparked.product.to_pylist()
    assert duck.event.to_pylist() == sparked.event.to_pylist()
    np.testing.assert_array_equal(duck.n, sparked.n)
    np.testing.assert_array_equal(duck.n_product, sparked.n_product)
    np.testing.assert_array_equal(duck.n_event, sparked.n_event)
    assert duck.n_total == sparked.n_total
    np.testing.assert_allclose(duck.e, sparked.e, rtol=1e-13)


@pytest.mark.spark
@pytest.mark.parametrize(
    ("strata", "margins", "names"),
    [
        ((), "unique", "as-written"),
        ((), "unique", "normalised"),
        (("strat1",), "unique", "normalised"),
        (("strat1",), "table", "as-written"),
    ],
)
def test_spark_gives_the_same_counts_as_duckdb(
    spark: Any, caers_path: Path, strata: tuple[str, ...], margins: str, names: str
) -> None:
    columns = LongColumns("id", "var1", "var2", strata)
    settings = RunSettings(columns, margins, names=names)  # type: ignore[arg-type]
    duck = count_file(caers_path, settings)
    sparked = count_file(caers_path, replace(settings, engine="spark"), spark=spark)
    assert_same_counts(duck, sparked)


@pytest.mark.spark
def test_spark_counts_a_long_table_given_as_a_data_frame(spark: Any) -> None:
    long = spark.createDataFrame(SMALL.rename(columns={"id": "report_id"}).assign(stratum="all"))
    labels = Labels(
        label_codes(["A", "B", "C"], "as-written"), label_codes(["x", "y", "z"], "as-written"), "as-written"
    )
    counts = count_spark(long, labels)
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


@pytest.mark.spark
def test_spark_normalises_names_exactly_as_duckdb(spark: Any, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    SPELLINGS.to_csv(source, index=False)
    settings = RunSettings(LongColumns("id", "product", "event"))
    duck = count_file(source, settings)
    assert duck.product.to_pylist() == ["a", "crème x"]
    assert_same_counts(duck, count_file(source, replace(settings, engine="spark"), spark=spark))


@pytest.mark.spark
def test_spark_counts_the_reports_up_to_a_day(spark: Any, tmp_path: Path) -> None:
    from datetime import date

    from mesosafe.disproportionality.pipeline import counter

    source = tmp_path / "in.csv"
    source.write_text("id,product,event,day\n1,a,x,2024-01-05\n2,a,x,2024-02-01\n3,b,x,2024-05-01\n")
    settings = RunSettings(LongColumns(date="day"))
    _, duck = counter(source, settings)
    _, sparked = counter(source, replace(settings, engine="spark"), spark=spark)
    for day in (date(2024, 3, 31), date(2024, 6, 30)):
        assert_same_counts(duck(day), sparked(day))
    assert duck(date(2024, 3, 31)).n.tolist() == [2]
