"""The Spark engine counts exactly as DuckDB does (the same SQL text)."""

from __future__ import annotations

import re
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
from mesosafe.disproportionality.spark import _spark_builder, check_spark_master, local_path, parse_conf
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
@pytest.mark.parametrize("names", ["normalised", "as-written"])
def test_spark_names_strata_as_duckdb_does(spark: Any, tmp_path: Path, names: str) -> None:
    source = tmp_path / "strata.csv"
    rows = [f"{i},{'ab'[i % 2]},{'xyz'[i % 3]},{['F', 'f', ' F', 'M', 'NA'][i % 5]}" for i in range(40)]
    source.write_text("id,product,event,sex\n" + "\n".join(rows) + "\n")
    settings = RunSettings(LongColumns(strata=("sex",)), names=names)  # type: ignore[arg-type]
    duck = count_file(source, settings)
    assert_same_counts(duck, count_file(source, replace(settings, engine="spark"), spark=spark))


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


def test_conf_is_key_value_with_a_spark_key() -> None:
    assert parse_conf(["spark.executor.memory=2g", "spark.x.y=a=b"]) == (
        ("spark.executor.memory", "2g"),
        ("spark.x.y", "a=b"),
    )
    for bad in ("spark.executor.memory", "memory=2g", "=x"):
        with pytest.raises(AnalysisInputError, match="is not key=value"):
            parse_conf([bad])


def test_the_master_is_set_only_when_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)  # not under spark-submit
    given = _spark_builder("local[2]", None, [("spark.sql.shuffle.partitions", "3")])._options
    assert given["spark.master"] == "local[2]" and given["spark.sql.shuffle.partitions"] == "3"
    assert "spark.master" not in _spark_builder(None, None, [])._options  # spark-submit's, or Spark's


def test_local_paths_and_cluster_paths() -> None:
    assert local_path("file:///data/r.parquet") == Path("/data/r.parquet")
    assert local_path("data/r.csv") == Path("data/r.csv")
    assert local_path("hdfs://nn:8020/r.parquet") is None and local_path("s3a://b/r.parquet") is None


@pytest.mark.spark
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,product,event\n1,a,x\n2, ,y\n", "column 'product' (--product) is blank in row 2 (report 2)"),
        ("id,product,event\n1,a,x\n2.5,b,y\n", "column 'id' (--id) has a decimal value '2.5'"),
        ("id,product,event,sex\n1,a,x,F\n1,b,y,M\n", "report 1 has two values in the strata sex"),
        (
            "id,product,event\n1,a,x\n2,b\x00c,y\n",
            "column 'product' (--product) has a control character (U+0000) in row 2 (report 2) of ",
        ),
    ],
)
def test_spark_checks_the_input_as_duckdb_does(spark: Any, tmp_path: Path, text: str, message: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(text)
    columns = LongColumns(strata=("sex",) if "sex" in text else ())
    for settings in (RunSettings(columns), RunSettings(columns, engine="spark")):
        with pytest.raises(AnalysisInputError, match=re.escape(message)):
            count_file(source, settings, spark=spark)


@pytest.mark.spark
def test_spark_refuses_a_date_outside_1678_2261_as_duckdb_does(spark: Any, tmp_path: Path) -> None:
    import datetime

    import pandas as pd

    text = tmp_path / "in.csv"  # a text column: parsed, then its year checked
    text.write_text("id,product,event,day\n1,a,x,2024-01-05\n2,a,y,1600-01-01\n")
    dates = tmp_path / "in.parquet"  # a date column: its year checked
    days = [datetime.date(2024, 1, 5), datetime.date(2262, 1, 1)]
    pd.DataFrame({"id": [1, 2], "product": ["a", "a"], "event": ["x", "y"], "day": days}).to_parquet(dates)
    columns = LongColumns(date="day")
    for source, day in ((text, "1600-01-01"), (dates, "2262-01-01")):
        message = f"column 'day' (--date) in row 2 (report 2) has '{day}', which is outside the years "
        for settings in (RunSettings(columns), RunSettings(columns, engine="spark")):
            with pytest.raises(AnalysisInputError, match=re.escape(message + "1678–2261")):
                count_file(source, settings, spark=spark)
