"""--hierarchy FILE --event-level: events rolled up a user's term hierarchy (synthetic fixtures)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mesosafe.disproportionality import pipeline, sources
from mesosafe.disproportionality.hierarchy import Rollup, read_hierarchy
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.lib.analysis_input import AnalysisInputError
from tests.disproportionality.icsr_cases import BATCH
from tests.disproportionality.test_faers import EXPECTED, FAERS, faers_settings

DATA = Path(__file__).resolve().parents[1] / "data" / "hierarchy"
TERMS, CODES = DATA / "terms.csv", DATA / "codes.csv"


def levels() -> pd.DataFrame:
    return pd.read_csv(TERMS)


def rolled_long(path: Path, level: str) -> Path:
    """The FAERS fixture's rows with each PT replaced by its terms at ``level``, written out as a long
    table (duplicates left in: the counting counts a report once per pair)."""
    table = levels()
    rows = [
        (case, product, term)
        for case, (products, events) in EXPECTED.items()
        for product in products
        for event in events
        for term in table.loc[table["PT"] == event, level.upper()]
    ]
    pd.DataFrame(rows, columns=["id", "product", "event"]).to_csv(path, index=False)
    return path


def pairs(table: Any) -> pd.DataFrame:
    frame = table.to_pandas().sort_values(["product", "event"]).reset_index(drop=True)
    return frame[["product", "event", "n", "e", "n_product", "n_event", "n_total", "prr", "ror"]]


@pytest.mark.parametrize("level", ["pt", "hlt", "hlgt", "soc"])
def test_each_level_counts_a_report_once_per_higher_level_term(tmp_path: Path, level: str) -> None:
    result = pipeline.run(FAERS, faers_settings(rollup=Rollup(TERMS, level)))  # type: ignore[arg-type]
    expected = pipeline.run(rolled_long(tmp_path / "long.csv", level), RunSettings())
    pd.testing.assert_frame_equal(pairs(result.table), pairs(expected.table))
    assert result.record["events"]["level"] == level
    assert result.record["events"]["hierarchy"]["matched_on"] == "PT"
    assert result.record["events"]["hierarchy"]["rows"] == 8


def test_two_pts_of_one_hlgt_are_one_report_not_two() -> None:
    table = pipeline.run(FAERS, faers_settings(rollup=Rollup(TERMS, "hlgt"))).table.to_pandas()
    site = table[(table["product"] == "liposculpt") & (table["event"] == "site reactions")]
    # cases 1001, 1003, 1006, 1007, 1009 (the PT-level counts add up to 8: pain 2, nodule 5, necrosis 1)
    assert int(site["n"].iloc[0]) == 5
    soc = pipeline.run(FAERS, faers_settings(rollup=Rollup(TERMS, "soc"))).table.to_pandas()
    hives = soc[soc["product"] == "mesoglow"].set_index("event")["n"]
    assert hives["skin"] == hives["immune system"] == 1  # urticaria's two paths: once under each


def test_lowest_level_codes_roll_up_to_their_pt() -> None:
    settings = RunSettings(
        columns=sources.default_columns("e2b"), input=sources.SourceSpec("e2b"), rollup=Rollup(CODES, "pt")
    )
    result = pipeline.run(BATCH, settings)
    table = result.table.to_pandas().set_index(["product", "event"])["n"]
    assert table[("liposculpt", "99100002")] == 3  # SYN-0001 and SYN-0004 (99000002), SYN-0003 (99000005)
    assert result.record["events"]["hierarchy"]["matched_on"] == "LLT"


def test_without_a_hierarchy_events_are_as_read() -> None:
    result = pipeline.run(FAERS, faers_settings())
    assert result.record["events"] == {"level": "as read (no --hierarchy)"}
    assert "site reactions" not in set(result.table.column("event").to_pylist())


def test_names_follow_the_names_option() -> None:
    written = pipeline.run(FAERS, faers_settings(names="as-written", rollup=Rollup(TERMS, "hlt")))
    assert "Site lumps" in set(written.table.column("event").to_pylist())
    assert read_hierarchy(Rollup(TERMS, "hlt"), "as-written").terms["Urticaria"] == {
        "Wheals",
        "Allergic reactions",
    }


def test_an_event_missing_from_the_file_is_named(tmp_path: Path) -> None:
    short = tmp_path / "short.csv"
    short.write_text("".join(line for line in TERMS.read_text().splitlines(True) if "Urticaria" not in line))
    with pytest.raises(
        AnalysisInputError,
        match=r"1 event is not in the PT column of the hierarchy file '.*short.csv': 'urticaria'",
    ):
        pipeline.run(FAERS, faers_settings(rollup=Rollup(short, "soc")))


def test_a_bad_hierarchy_file_is_named(tmp_path: Path) -> None:
    blank = tmp_path / "blank.csv"
    blank.write_text(TERMS.read_text().replace("Site lumps,Site reactions", "Site lumps, ", 1))
    with pytest.raises(AnalysisInputError, match=r"blank.csv' line 3, column 'HLGT' is blank"):
        pipeline.run(FAERS, faers_settings(rollup=Rollup(blank, "hlt")))
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("PT,HLT,SOC\na,b,c\n")
    with pytest.raises(AnalysisInputError, match=r"nocol.csv' has no column 'HLGT'"):
        pipeline.run(FAERS, faers_settings(rollup=Rollup(nocol, "hlt")))
    with pytest.raises(
        AnalysisInputError, match=r"hierarchy file '.*none.csv' \(--hierarchy\) does not exist"
    ):
        pipeline.run(FAERS, faers_settings(rollup=Rollup(tmp_path / "none.csv", "hlt")))


@pytest.mark.spark
def test_the_spark_engine_rolls_up_the_same(spark: Any) -> None:
    settings = faers_settings(rollup=Rollup(TERMS, "soc"))
    duck = pipeline.run(FAERS, settings)
    spark_settings = replace(settings, engine="spark")
    with pipeline.long_input(FAERS, spark_settings, pipeline.Stages()) as (source, long_settings):
        counts = pipeline.counter(source.path, long_settings, spark=spark)[1](None)
    assert counts.event.to_pylist() == duck.table.column("event").to_pylist()
    assert counts.n.tolist() == duck.table.column("n").to_pylist()
    assert counts.n_event.tolist() == duck.table.column("n_event").to_pylist()


def test_a_bad_byte_in_a_hierarchy_file_is_named_with_its_line(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    lines = TERMS.read_bytes().splitlines(keepends=True)
    latin.write_bytes(b"".join([*lines[:2], lines[2].replace(b"Site", b"Sit\xe9", 1), *lines[3:]]))
    with pytest.raises(AnalysisInputError, match=r"latin.csv' is not UTF-8 text \(line 3, byte "):
        read_hierarchy(Rollup(latin, "hlt"))
