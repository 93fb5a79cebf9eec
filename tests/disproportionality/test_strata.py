"""Strata are named as products and events are, and what may hide a signal in them is said."""

from __future__ import annotations

import duckdb
import pandas as pd

from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.counting import count_duckdb, strata_table
from mesosafe.disproportionality.reading import frame_long_table
from mesosafe.disproportionality.strata import SMALL_STRATUM, Strata


def test_spellings_of_one_stratum_share_its_code_when_names_are_normalised() -> None:
    table = strata_table(["f", "F", " M", "m"], "normalised").to_pydict()
    assert dict(zip(table["stratum"], table["sid"], strict=True)) == {" M": 2, "F": 1, "f": 1, "m": 2}
    as_written = strata_table(["f", "F"], "as-written").to_pydict()
    assert as_written == {"stratum": ["F", "f"], "sid": [1, 2]}


def _e(frame: pd.DataFrame, names: str = "normalised") -> list[float]:
    columns = LongColumns("id", "product", "event", ("sex",))
    return count_duckdb(frame_long_table(duckdb.connect(), frame, columns, names=names)).e.tolist()  # type: ignore[arg-type]


def test_f_and_lower_case_f_are_one_stratum_in_the_counts() -> None:
    rows = {"id": [1, 2, 3, 4], "product": ["a", "a", "b", "b"], "event": ["x", "y", "x", "y"]}
    mixed = pd.DataFrame({**rows, "sex": ["F", "f", "M", "m"]})
    assert _e(mixed) == _e(pd.DataFrame({**rows, "sex": ["F", "F", "M", "M"]}))
    assert _e(mixed, "as-written") == [1.0, 1.0, 1.0, 1.0]  # four strata of one report: E = N


def test_missing_value_codes_are_warned_about_and_kept() -> None:
    strata = Strata.from_spellings(
        ("sex",), {"F": 40, "N/A": 12, " Not  Available": 20, "none": 30}, "normalised"
    )
    assert strata.reports == {"f": 40, "n/a": 12, "none": 30, "not available": 20}
    warned = [w.split(" (")[0] for w in strata.warnings()]
    assert warned == [
        "stratum column 'sex' has the value 'n/a'",
        "stratum column 'sex' has the value 'none'",
        "stratum column 'sex' has the value 'not available'",
    ]


def test_a_missing_code_in_one_of_several_columns_is_named_by_its_column() -> None:
    strata = Strata.from_spellings(("sex", "age"), {"F|adult": 50, "M|NA": 60, "M|adult": 70}, "as-written")
    assert strata.warnings() == [
        "stratum column 'age' has the value 'NA' (60 reports), which looks like a missing-value code: it is "
        "counted as a stratum of its own, not as unknown (recode it, or leave those reports out, if it means "
        "missing)"
    ]


def test_small_strata_are_named_with_the_share_of_reports_they_hold() -> None:
    reports = {"a": 500, "b": SMALL_STRATUM, **{f"s{i}": i for i in range(1, 8)}}
    (warning,) = Strata.from_spellings(("grp",), reports, "as-written").warnings()
    assert warning.startswith(
        "7 of the 9 strata have fewer than 10 reports: 's7' (7), 's6' (6), 's5' (5), 's4' (4), 's3' (3) "
        "and 2 more, holding 28 of the 538 reports (5.2%)"
    )
    assert Strata.from_spellings(("grp",), {"a": 10, "b": 10}, "as-written").warnings() == []
