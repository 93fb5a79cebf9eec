"""The Spark run's own pieces: the FDR flag applied pair by pair keeps ``bayesian_fdr``'s rule exactly, the
(n, E) points collected are ``merge_points``'s, and a run keeps the pair table on the executors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mesosafe.disproportionality import gps, pipeline
from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.flags import Tie, bayesian_fdr, fdr_cut
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.disproportionality.spark_run import (
    FdrRule,
    check_spark_output,
    collect_points,
    fdr_rank,
    fdr_rule,
    record_path,
)
from mesosafe.lib.analysis_input import AnalysisInputError


@hypothesis_settings(deadline=None)  # a loaded machine: the first example imports pyarrow's compute
@given(
    st.lists(st.sampled_from([0.0, 0.001, 0.01, 0.02, 0.04, 0.05, 0.08, 0.3, 0.9]), min_size=1, max_size=60),
    st.sampled_from([0.01, 0.03, 0.05, 0.1]),
)
def test_the_rule_applied_pair_by_pair_flags_what_bayesian_fdr_flags(
    values: list[float], level: float
) -> None:
    post_h0 = np.array(values)
    points, weights = np.unique(post_h0, return_counts=True)
    rule, tie = fdr_rank(points, weights.astype(np.float64), level)
    flagged = np.asarray(rule.flags(post_h0).to_pylist())
    assert flagged.tolist() == bayesian_fdr(post_h0, level).tolist()
    assert tie == fdr_cut(np.sort(post_h0), level)[1]
    # each batch alone gives the same flags: the rule needs no other pair
    half = len(values) // 2
    parts = [rule.flags(post_h0[s]).to_pylist() for s in (slice(0, half), slice(half, None))]
    assert parts[0] + parts[1] == flagged.tolist()


def test_a_tie_at_the_cutoff_is_left_out_whole() -> None:
    # the mean has room for one of the two 0.08s at 5% (0.05 at k = 2): neither is flagged
    post_h0 = np.array([0.08, 0.02, 0.08])
    rule, tie = fdr_rank(np.array([0.02, 0.08]), np.array([1.0, 2.0]), 0.05)
    assert (rule, tie) == (FdrRule(0.02), Tie(2, 0.08, 1))
    assert rule.flags(post_h0).to_pylist() == [False, True, False] == bayesian_fdr(post_h0, 0.05).tolist()
    assert fdr_rank(np.array([0.5]), np.array([3.0]), 0.05) == (FdrRule(), Tie())
    assert not any(FdrRule().flags(post_h0).to_pylist())


def test_the_output_is_a_parquet_directory() -> None:
    with pytest.raises(AnalysisInputError, match=r"must end in \.parquet"):
        check_spark_output("hdfs:///pv/signals.csv")
    with pytest.raises(AnalysisInputError, match="does not exist"):
        check_spark_output("/no/such/dir/signals.parquet")
    check_spark_output("s3a://bucket/signals.parquet")
    assert record_path("hdfs://nn:8020/pv/signals.parquet/") == "hdfs://nn:8020/pv/signals.run.json"


@pytest.mark.spark
def test_the_points_collected_are_merge_points_s(spark: Any) -> None:
    n = np.array([3, 1, 1, 2, 1, 3])
    e = np.array([0.5, 0.25, 0.25, 1.5, 0.125, 0.5])
    frame = spark.createDataFrame(pa.table({"n": n, "e": e}))
    got, want = collect_points(frame), gps.merge_points(n, e)
    for name in ("n", "e", "w"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))


def test_the_rule_is_found_on_the_points_of_the_pairs_kept() -> None:
    points = gps.Points(
        np.array([1.0, 2.0]), np.array([0.1, 0.5]), np.array([1.0, 2.0]), np.zeros(0, np.int64)
    )
    scores = gps.Scores(*(np.array([0.02, 0.08]) for _ in range(4)))
    assert fdr_rule(points, scores, 0.05, 1) == (FdrRule(0.02), Tie(2, 0.08, 1))
    assert fdr_rule(points, scores, 0.06, 1) == (FdrRule(0.08), Tie())
    assert fdr_rule(points, scores, 0.01, 1) == (FdrRule(), Tie())
    assert fdr_rule(points, scores, 0.05, 2) == (FdrRule(), Tie())  # the 0.08s alone: a mean above 5%


@pytest.mark.spark
@pytest.mark.parametrize("min_n", [1, 2])
def test_a_local_run_writes_duckdb_s_table_from_the_executors(
    spark: Any, caers_path: Path, tmp_path: Path, min_n: int
) -> None:
    columns = LongColumns("id", "var1", "var2", ("strat1",))
    duck = pipeline.run(caers_path, RunSettings(columns, min_n=min_n, out=tmp_path / "duck.parquet"))
    settings = RunSettings(columns, engine="spark", min_n=min_n, out=str(tmp_path / "spark.parquet"))
    result = pipeline.run(str(caers_path), settings, top=3)
    sparked = pq.read_table(tmp_path / "spark.parquet").sort_by(
        [("product", "ascending"), ("event", "ascending")]
    )
    expected = pq.read_table(tmp_path / "duck.parquet")
    for name in expected.column_names:
        got, want = sparked.column(name), expected.column(name)
        if pa.types.is_floating(want.type):
            assert np.array_equal(got.to_numpy(), want.to_numpy(), equal_nan=True), name
        else:
            assert got.to_pylist() == want.to_pylist(), name
    strongest = pipeline.strongest(expected, 3)
    for name in ("product", "event", "n", "eb05"):
        assert result.table.column(name).to_pylist() == strongest.column(name).to_pylist()
    record = json.loads((tmp_path / "spark.run.json").read_text())
    assert record["engine"] == "spark" and record["min_n"] == min_n
    assert record["input"]["sha256"] == duck.record["input"]["sha256"]
    assert (
        record["strata_reports"]
        == duck.record["strata_reports"]
        == {
            "female": 2120,
            "male": 1013,
            "not available": 223,
        }
    )
    assert record["strata_warnings"] == duck.record["strata_warnings"] != []
