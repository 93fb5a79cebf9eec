"""`mesosafe signals-diff OLD NEW`: what changed between two runs of `mesosafe signals`.

Each pair's flags (the ``flag_*`` columns both tables have) are compared; a table with a ``period`` column
(``--period quarter``) is compared at its last period. A row of the result is one pair whose flags
changed:

A flag is true, false (or 1, 0) or empty: empty is *unknown* (``flag_eb05`` and ``flag_fdr`` of a run whose
prior was degenerate), never false. Any other value, or a pair on two rows (of one period), is an input
error naming the file, column and row, or the pair. Per flag, a change is:

* raised: false before (or the pair was not in OLD), true now;
* cleared: true before, false now (or the pair is not in NEW);
* unknown: true on one side and empty on the other; it is neither raised nor cleared.

``change`` names the pair's kinds, joined by "; " when there are several (a pair may gain one flag and
lose another: "flag raised; flag cleared"):

* ``new signal``: a flag was raised and the pair had no flag before;
* ``flag raised``: a flag was raised and the pair had another before;
* ``flag cleared``: a flag was cleared;
* ``flag unknown``: a flag cannot be compared.

``flags_raised``, ``flags_cleared`` and ``flags_unknown`` name the flags. Rows are ordered by their first
kind (new signals, raised, cleared, unknown), each by EB05 (or, without EB scores, PRR) descending.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa

from mesosafe.lib.analysis_input import AnalysisInputError, input_format

KEY = ["product", "event"]
SHOWN = ("n", "prr", "eb05")
CHANGE_ORDER = {"new signal": 0, "flag raised": 1, "flag cleared": 2, "flag unknown": 3}
FLAG_STATES = {"true": True, "1": True, "false": False, "0": False}


def read_signals(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A table written by `mesosafe signals` (CSV or Parquet); at its last period if it has periods."""
    try:
        frame = pd.read_parquet(path) if input_format(path) == "parquet" else _read_csv(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AnalysisInputError(f"cannot read {str(path)!r}: {first}") from exc
    missing = [c for c in (*KEY, *SHOWN) if c not in frame.columns]
    flags = [c for c in frame.columns if c.startswith("flag_")]
    if missing or not flags:
        named = ", ".join(repr(c) for c in missing) or "no flag_* column"
        raise AnalysisInputError(f"{str(path)!r} is not a `mesosafe signals` table ({named})")
    _check_flags(frame, flags, path)
    _check_pairs(frame, path)
    if "period" in frame.columns:
        frame = frame[frame["period"].astype(str) == max(frame["period"].astype(str))]
    frame[KEY] = frame[KEY].astype(str)
    return frame


def _read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Names and flags as written ("01" is not "1", "1" is not 1.0); an empty cell is missing."""
    header = pd.read_csv(path, nrows=0).columns
    text = {c: "str" for c in header if c in KEY or c.startswith("flag_")}
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=text)


def _flag_text(column: pd.Series) -> pd.Series:
    return column.astype("string").str.strip().str.lower()


def _check_flags(frame: pd.DataFrame, flags: list[str], path: str | os.PathLike[str]) -> None:
    """Every flag cell is true, false (or 1, 0) or empty; the first that is not is named by its row."""
    for name in flags:
        bad = frame[name].notna() & ~_flag_text(frame[name]).isin([*FLAG_STATES, ""])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise AnalysisInputError(
                f"{str(path)!r}, column {name!r}, row {row + 1}: {str(frame[name].iloc[row])!r} is not a "
                "flag (true, false or empty)"
            )


def _check_pairs(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """A pair is in a table once (once per period): two rows of it could disagree on its flags."""
    keys = [*(["period"] if "period" in frame.columns else []), *KEY]
    twice = frame.duplicated(keys, keep=False).to_numpy()
    if not twice.any():
        return
    rows = np.flatnonzero(twice)
    first = frame.iloc[rows[0]]
    same = rows[(frame.iloc[rows][keys] == first[keys]).all(axis=1).to_numpy()]
    period = f" in period {first['period']!r}" if "period" in keys else ""
    raise AnalysisInputError(
        f"{str(path)!r}: the pair product {first['product']!r}, event {first['event']!r}{period} is in "
        f"rows {' and '.join(str(r + 1) for r in same[:2])}; a `mesosafe signals` table has each pair once"
    )


def _state(value: object) -> bool | None:
    """A flag cell (checked by `_check_flags`): True, False, or None when it is empty (unknown, e.g. without
    EB scores)."""
    return FLAG_STATES.get(str(value).strip().lower())  # a missing cell reads "nan", "None" or "<NA>"


def _states(row: pd.Series, names: list[str], side: str, present: bool) -> dict[str, bool | None]:
    """Each flag's state on one side of a merged row; a pair absent from that side has no flag set."""
    if not present:
        return {n.removeprefix("flag_"): False for n in names}
    return {n.removeprefix("flag_"): _state(row[f"{n}_{side}"]) for n in names}


def changes(before: dict[str, bool | None], after: dict[str, bool | None]) -> dict[str, list[str]]:
    """The flags raised (false before, true now), cleared (true before, false now) and unknown (true on one
    side, empty on the other: its change cannot be told, so it is neither raised nor cleared)."""
    raised = [f for f in after if after[f] is True and before[f] is False]
    cleared = [f for f in after if before[f] is True and after[f] is False]
    unknown = [f for f in after if {before[f], after[f]} == {True, None}]
    return {"raised": raised, "cleared": cleared, "unknown": unknown}


def change_kinds(before: dict[str, bool | None], found: dict[str, list[str]]) -> list[str]:
    """The pair's kinds of change, in CHANGE_ORDER (a pair may gain one flag and lose another)."""
    kinds = []
    if found["raised"]:
        kinds.append("flag raised" if True in before.values() else "new signal")
    if found["cleared"]:
        kinds.append("flag cleared")
    if found["unknown"]:
        kinds.append("flag unknown")
    return kinds


def diff(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The pairs whose flags changed between ``old`` and ``new`` (columns: see the module docstring)."""
    names = sorted(c for c in new.columns if c.startswith("flag_") and c in old.columns)
    if not names:
        raise AnalysisInputError("the two tables have no flag column in common")
    merged = old[[*KEY, *SHOWN, *names]].merge(
        new[[*KEY, *SHOWN, *names]], on=KEY, how="outer", suffixes=("_before", "_after"), indicator=True
    )
    rows = []
    for _, row in merged.iterrows():
        before = _states(row, names, "before", row["_merge"] != "right_only")
        after = _states(row, names, "after", row["_merge"] != "left_only")
        found = changes(before, after)
        kinds = change_kinds(before, found)
        if not kinds:
            continue
        rows.append(
            {
                "product": row["product"],
                "event": row["event"],
                "change": "; ".join(kinds),
                "flags_before": _listed(before),
                "flags_after": _listed(after),
                **{f"flags_{key}": "; ".join(sorted(flags)) for key, flags in found.items()},
                "in_old": row["_merge"] != "right_only",
                **{f"{m}_{side}": row[f"{m}_{side}"] for m in SHOWN for side in ("before", "after")},
            }
        )
    return _ordered(pd.DataFrame(rows, columns=_columns()))


def _listed(states: dict[str, bool | None]) -> str:
    return "; ".join(sorted(f for f, state in states.items() if state is True))


def _columns() -> list[str]:
    shown = [f"{m}_{side}" for m in SHOWN for side in ("before", "after")]
    found = ["flags_raised", "flags_cleared", "flags_unknown"]
    return [*KEY, "change", "flags_before", "flags_after", *found, "in_old", *shown]


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    rank = frame["change"].str.split("; ").str[0].map(CHANGE_ORDER)
    strength = frame["eb05_after"].fillna(frame["prr_after"]).fillna(-1.0)
    order = pd.DataFrame({"rank": rank, "strength": -strength.astype(float)}).sort_values(
        ["rank", "strength"], kind="stable"
    )
    return frame.loc[order.index].reset_index(drop=True)


def diff_tables(old_path: str | os.PathLike[str], new_path: str | os.PathLike[str]) -> pa.Table:
    return pa.Table.from_pandas(diff(read_signals(old_path), read_signals(new_path)), preserve_index=False)
