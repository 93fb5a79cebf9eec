from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.counting import count_duckdb, counting_steps
from mesosafe.disproportionality.pipeline import count_file
from mesosafe.disproportionality.reading import frame_long_table
from mesosafe.disproportionality.settings import RunSettings


def brute_force(frame: pd.DataFrame, strata: list[str], margins: str) -> pd.DataFrame:
    """The definitions written out directly in pandas (reference for the SQL)."""
    rows = frame.drop_duplicates()
    rows = rows.assign(stratum=rows[strata].astype(str).agg("|".join, axis=1) if strata else "all")
    cells = rows.drop_duplicates(["id", "product", "event"]).groupby(["product", "event"]).size()
    cells_s = (
        rows.drop_duplicates(["id", "product", "event", "stratum"])
        .groupby(["product", "event", "stratum"])
        .size()
    )
    if margins == "unique":
        pm = rows.groupby("product")["id"].nunique()
        em = rows.groupby("event")["id"].nunique()
        total = rows["id"].nunique()
        pm_s = rows.groupby(["product", "stratum"])["id"].nunique()
        em_s = rows.groupby(["event", "stratum"])["id"].nunique()
        tot_s = rows.groupby("stratum")["id"].nunique()
    else:
        pm, em, total = cells.groupby("product").sum(), cells.groupby("event").sum(), cells.sum()
        pm_s = cells_s.groupby(["product", "stratum"]).sum()
        em_s = cells_s.groupby(["event", "stratum"]).sum()
        tot_s = cells_s.groupby("stratum").sum()
    out = []
    for (product, event), n in cells.items():
        e = sum(pm_s.get((product, s), 0) * em_s.get((event, s), 0) / tot_s[s] for s in tot_s.index)
        out.append((product, event, n, e, pm[product], em[event], total))
    return pd.DataFrame(out, columns=["product", "event", "n", "e", "n_product", "n_event", "n_total"])


def counted(frame: pd.DataFrame, strata: list[str], margins: str, names: str = "as-written") -> pd.DataFrame:
    con = duckdb.connect()
    columns = LongColumns("id", "product", "event", tuple(strata))
    long = frame_long_table(con, frame, columns, names=names)  # type: ignore[arg-type]
    counts = count_duckdb(long, margins)  # type: ignore[arg-type]
    return pd.DataFrame(
        {
            "product": counts.product.to_pylist(),
            "event": counts.event.to_pylist(),
            "n": counts.n,
            "e": counts.e,
            "n_product": counts.n_product,
            "n_event": counts.n_event,
            "n_total": counts.n_total,
        }
    )


SMALL = pd.DataFrame(
    {
        "id": [1, 1, 1, 1, 2, 2, 3, 3, 4, 5],
        "product": ["A", "A", "B", "B", "A", "C", "B", "B", "C", "A"],
        "event": ["x", "x", "x", "y", "y", "y", "x", "y", "x", "z"],
        "sex": ["F", "F", "F", "F", "M", "M", "F", "F", "M", "M"],
    }
)


def test_duplicate_rows_count_once_and_margins_are_distinct_reports() -> None:
    result = counted(SMALL, [], "unique").set_index(["product", "event"])
    assert result.loc[("A", "x"), "n"] == 1  # report 1 lists A/x twice
    assert result.loc[("B", "y"), "n"] == 2
    assert result.loc[("A", "x"), "n_product"] == 3  # reports 1, 2, 5
    assert result.loc[("A", "x"), "n_event"] == 3  # reports 1, 3, 4
    assert result["n_total"].iloc[0] == 5
    assert result.loc[("A", "x"), "e"] == pytest.approx(3 * 3 / 5)


def test_table_margins_sum_cells() -> None:
    result = counted(SMALL, [], "table").set_index(["product", "event"])
    # cells: A/x 1, B/x 2, B/y 2, A/y 1, C/y 1, C/x 1, A/z 1 -> total 9
    assert result["n_total"].iloc[0] == 9
    assert result.loc[("A", "x"), "n_product"] == 3
    assert result.loc[("B", "x"), "n_event"] == 4
    assert result.loc[("A", "x"), "e"] == pytest.approx(3 * 4 / 9)


@pytest.mark.parametrize(("strata", "margins"), list(itertools.product([[], ["sex"]], ["unique", "table"])))
def test_sql_matches_brute_force(strata: list[str], margins: str) -> None:
    got = counted(SMALL, strata, margins)
    want = brute_force(SMALL, strata, margins)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 12), st.sampled_from("PQRS"), st.sampled_from("uvwxy"), st.sampled_from("ab")
        ),
        min_size=1,
        max_size=60,
    ),
    st.booleans(),
    st.sampled_from(["unique", "table"]),
)
def test_sql_matches_brute_force_on_random_tables(
    rows: list[tuple[Any, ...]], stratified: bool, margins: str
) -> None:
    frame = pd.DataFrame(rows, columns=["id", "product", "event", "grp"])
    # a report keeps one stratum value, as in real data
    frame["grp"] = frame["id"].map(frame.groupby("id")["grp"].first())
    strata = ["grp"] if stratified else []
    pd.testing.assert_frame_equal(
        counted(frame, strata, margins), brute_force(frame, strata, margins), check_dtype=False, rtol=1e-12
    )


def test_caers_counts(caers_path: Path) -> None:
    counts = count_file(caers_path, RunSettings(LongColumns("id", "var1", "var2"), names="as-written"))
    assert len(counts) == 17189  # openEBGM's count: it takes every spelling as written
    assert counts.n_total == 3356
    # 37 product names differ only by repeated spaces ("CENTRUM  (MULTIMINERALS, …" and "CENTRUM (…")
    normalised = count_file(caers_path, RunSettings(LongColumns("id", "var1", "var2")))
    assert (len(normalised), normalised.n_total) == (17121, 3356)
    assert len(set(normalised.product.to_pylist())) == 2874 - 37
    frame = pd.read_csv(caers_path)
    assert len(frame) == 20156 and frame.duplicated().sum() == 239


def test_one_sql_text_for_both_engines() -> None:
    steps = counting_steps("unique", True, source="my_long_table", strata=3)
    assert [name for name, _ in steps][-1] == "result"
    assert all("SELECT" in sql for _, sql in steps)
    assert sum("my_long_table" in sql for _, sql in steps) == 1  # the coding; the strata come from the driver


def test_no_step_numbers_rows_over_the_whole_table() -> None:
    # a global ROW_NUMBER() OVER (ORDER BY …) moves every row to one Spark partition
    for strata in (1, 4):
        assert not any("OVER" in sql.upper() for _, sql in counting_steps("unique", True, strata=strata))


def test_e_is_summed_over_the_strata_in_their_order() -> None:
    expected = dict(counting_steps("unique", True, strata=3))["expected"]
    assert expected.index("sid = 1") < expected.index("sid = 2") < expected.index("sid = 3")
    assert "SUM(" not in expected  # no SQL SUM, whose order of addition is the engine's


def test_counting_leaves_nothing_behind_in_the_connection() -> None:
    con = duckdb.connect()
    long = frame_long_table(con, SMALL, LongColumns("id", "product", "event", ("sex",)))
    count_duckdb(long)
    count_duckdb(long, "table")  # the same long table counted twice: each call is independent
    assert con.sql("SELECT table_name FROM information_schema.tables").fetchall() == []


SPELLINGS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "product": [
            " A ",
            "a",
            "A",
            "Cre\u0300me  X",
            "Crème X",
            "cr\u00e8me\u00a0x",
        ],  # è decomposed, composed
        "event": ["Rash", "rash ", "RASH", "itch", "Itch", "ITCH"],
    }
)


def test_names_are_normalised_by_default_and_can_be_kept_as_written() -> None:
    normalised = counted(SPELLINGS, [], "unique", names="normalised")
    assert normalised[["product", "event", "n"]].values.tolist() == [["a", "rash", 3], ["crème x", "itch", 3]]
    assert normalised["n_product"].tolist() == [3, 3] and normalised["n_total"].iloc[0] == 6
    as_written = counted(SPELLINGS, [], "unique")
    assert len(as_written) == 6 and set(as_written["n"]) == {1}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 9), st.sampled_from(["P", " p", "p ", "P  Q", "p q"]), st.sampled_from("uU")
        ),
        min_size=1,
        max_size=40,
    )
)
def test_normalised_counts_are_the_counts_of_the_normalised_names(rows: list[tuple[Any, ...]]) -> None:
    frame = pd.DataFrame(rows, columns=["id", "product", "event"])
    by_hand = frame.assign(
        product=[" ".join(p.split()).lower() for p in frame["product"]], event=frame["event"].str.lower()
    )
    pd.testing.assert_frame_equal(
        counted(frame, [], "unique", names="normalised"),
        brute_force(by_hand, [], "unique"),
        check_dtype=False,
    )
