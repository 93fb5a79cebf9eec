from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mesosafe.disproportionality.diff import diff, diff_tables
from mesosafe.lib.analysis_input import AnalysisInputError


def table(rows: list[tuple[str, str, int, float, bool, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["product", "event", "n", "eb05", "flag_eb05", "flag_evans"])
    return frame.assign(prr=frame["n"] / 2.0)


OLD = table(
    [
        ("a", "x", 2, 1.0, False, False),  # becomes a signal
        ("b", "x", 5, 2.5, True, False),  # gains Evans
        ("c", "x", 9, 3.0, True, True),  # loses EB05
        ("d", "x", 4, 2.2, True, False),  # unchanged
    ]
)
NEW = table(
    [
        ("a", "x", 4, 2.1, True, False),
        ("b", "x", 6, 2.6, True, True),
        ("c", "x", 9, 1.9, False, True),
        ("d", "x", 4, 2.2, True, False),
        ("e", "y", 3, 4.0, True, True),  # a new pair, flagged at once
    ]
)


def test_new_signals_and_crossed_flags_are_listed() -> None:
    changes = diff(OLD, NEW)
    assert changes[["product", "change", "flags_before", "flags_after"]].values.tolist() == [
        ["e", "new signal", "", "eb05; evans"],
        ["a", "new signal", "", "eb05"],
        ["b", "flag raised", "eb05", "eb05; evans"],
        ["c", "flag cleared", "eb05; evans", "evans"],
    ]
    assert changes.loc[0, "in_old"] == False  # noqa: E712 - a numpy bool
    assert changes.loc[1, ["n_before", "n_after", "eb05_before", "eb05_after"]].tolist() == [2, 4, 1.0, 2.1]


def test_quarterly_tables_are_compared_at_their_last_quarter(tmp_path: Path) -> None:
    old = pd.concat([OLD.assign(period="2024Q1"), OLD.assign(period="2024Q2", flag_eb05=False)])
    old.to_csv(tmp_path / "old.csv", index=False)
    NEW.to_parquet(tmp_path / "new.parquet")
    changes = diff_tables(tmp_path / "old.csv", tmp_path / "new.parquet").to_pandas()
    assert set(changes["product"]) == {"a", "b", "d", "e"}  # in 2024Q2 nothing had flag_eb05


def test_a_table_that_is_not_from_signals_is_refused(tmp_path: Path) -> None:
    pd.DataFrame({"product": ["a"], "event": ["x"]}).to_csv(tmp_path / "t.csv", index=False)
    NEW.to_csv(tmp_path / "new.csv", index=False)
    with pytest.raises(AnalysisInputError, match="is not a `mesosafe signals` table"):
        diff_tables(tmp_path / "t.csv", tmp_path / "new.csv")


def test_an_empty_flag_is_unknown_never_cleared() -> None:
    # NEW's prior was degenerate: its EB flags are empty (None), its Evans flags known
    old = table(
        [("a", "x", 5, 2.5, True, False), ("b", "x", 5, 2.5, True, True), ("c", "x", 1, 0.5, False, False)]
    )
    new = old.assign(eb05=None, flag_eb05=None)
    new.loc[1, "flag_evans"] = False
    changes = diff(old, new)
    columns = ["product", "change", "flags_after", "flags_cleared", "flags_unknown"]
    assert changes[columns].values.tolist() == [
        ["b", "flag cleared; flag unknown", "", "evans", "eb05"],
        ["a", "flag unknown", "", "", "eb05"],
    ]  # c: not flagged before, unknown now — nothing to report


def test_an_empty_flag_before_that_is_set_now_is_unknown_too() -> None:
    old = table([("a", "x", 5, 2.5, True, False)]).assign(flag_eb05=None)
    changes = diff(old, table([("a", "x", 5, 2.5, True, False)]))
    assert changes[["change", "flags_before", "flags_after", "flags_unknown"]].values.tolist() == [
        ["flag unknown", "", "eb05", "eb05"]
    ]


def test_a_pair_that_gains_one_flag_and_loses_another_says_both() -> None:
    old = table([("a", "x", 5, 2.5, True, False), ("b", "x", 5, 2.5, False, False)])
    new = table([("a", "x", 5, 1.5, False, True), ("b", "x", 5, 2.5, False, False)])
    changes = diff(old, new)
    assert changes[["product", "change", "flags_raised", "flags_cleared"]].values.tolist() == [
        ["a", "flag raised; flag cleared", "evans", "eb05"]
    ]


def test_empty_flags_read_from_a_csv_are_unknown(tmp_path: Path) -> None:
    OLD.to_csv(tmp_path / "old.csv", index=False)
    NEW.assign(eb05=None, flag_eb05=None).to_csv(tmp_path / "new.csv", index=False)
    changes = diff_tables(tmp_path / "old.csv", tmp_path / "new.csv").to_pandas()
    assert "eb05" not in ";".join(changes["flags_cleared"])
    assert set(changes.loc[changes["flags_unknown"] != "", "product"]) == {"b", "c", "d"}


@pytest.mark.parametrize("value", ["maybe", "yes", "2"])
def test_a_flag_that_is_not_true_false_or_empty_is_refused_by_column_and_row(
    tmp_path: Path, value: str
) -> None:
    NEW.astype({"flag_evans": object}).assign(flag_evans=[True, False, value, True, False]).to_csv(
        tmp_path / "new.csv", index=False
    )
    OLD.to_csv(tmp_path / "old.csv", index=False)
    with pytest.raises(AnalysisInputError, match=rf"new.csv', column 'flag_evans', row 3: '{value}' is not"):
        diff_tables(tmp_path / "old.csv", tmp_path / "new.csv")


def test_flags_written_as_1_0_or_empty_are_read() -> None:
    flagged = NEW.astype({"flag_eb05": object}).assign(flag_eb05=["1", "0", " ", None, "TRUE"])
    changes = diff(OLD, flagged)
    assert changes.set_index("product")["change"].to_dict() == {
        "e": "new signal",
        "a": "new signal",
        "b": "flag raised; flag cleared",
        "c": "flag unknown",
        "d": "flag unknown",
    }


def test_a_pair_twice_is_refused_naming_it(tmp_path: Path) -> None:
    pd.concat([NEW, NEW.iloc[[1]].assign(flag_eb05=False)]).to_parquet(tmp_path / "new.parquet")
    OLD.to_csv(tmp_path / "old.csv", index=False)
    with pytest.raises(AnalysisInputError, match=r"the pair product 'b', event 'x' is in rows 2 and 6"):
        diff_tables(tmp_path / "old.csv", tmp_path / "new.parquet")


def test_names_are_compared_as_written(tmp_path: Path) -> None:
    pd.DataFrame(
        {"product": ["01", "1"], "event": ["x", "x"], "n": [1, 1], "prr": [1.0, 1.0], "eb05": [1.0, 1.0]}
    ).assign(flag_eb05=[True, False]).to_csv(tmp_path / "t.csv", index=False)
    changes = diff_tables(tmp_path / "t.csv", tmp_path / "t.csv").to_pandas()
    assert changes.empty  # "01" and "1" are two products, each unchanged, not one pair twice
