"""`mesosafe signals-diff OLD NEW`: what changed between two runs of `mesosafe signals`.

Each pair's flags (the ``flag_*`` columns both tables have) are compared; a table with a ``period`` column
(``--period quarter``) is compared at its last period. A row of the result is one pair whose flags
changed:

* ``new signal``: flagged now, by any flag, and by none before (or the pair was not in OLD);
* ``flag raised``: flagged before, and now by a flag it did not have;
* ``flag cleared``: a flag it had before is gone (and none was raised).

New signals come first, then raised, then cleared, each by EB05 (or, without EB scores, PRR) descending.
"""

from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa

from mesosafe.lib.analysis_input import AnalysisInputError, input_format

KEY = ["product", "event"]
SHOWN = ("n", "prr", "eb05")
CHANGE_ORDER = {"new signal": 0, "flag raised": 1, "flag cleared": 2}


def read_signals(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A table written by `mesosafe signals` (CSV or Parquet); at its last period if it has periods."""
    kind = input_format(path)
    try:
        frame = (
            pd.read_parquet(path)
            if kind == "parquet"
            else pd.read_csv(path, keep_default_na=False, na_values=[""])
        )
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AnalysisInputError(f"cannot read {str(path)!r}: {first}") from exc
    missing = [c for c in (*KEY, *SHOWN) if c not in frame.columns]
    flags = [c for c in frame.columns if c.startswith("flag_")]
    if missing or not flags:
        named = ", ".join(repr(c) for c in missing) or "no flag_* column"
        raise AnalysisInputError(f"{str(path)!r} is not a `mesosafe signals` table ({named})")
    if "period" in frame.columns:
        frame = frame[frame["period"].astype(str) == max(frame["period"].astype(str))]
    frame[KEY] = frame[KEY].astype(str)
    return frame


def _flags(row: pd.Series, names: list[str], side: str) -> set[str]:
    """The flags set on one side of a merged row (a null flag, e.g. without EB scores, is not set)."""
    return {n.removeprefix("flag_") for n in names if str(row[f"{n}_{side}"]).lower() in {"true", "1"}}


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
        before = _flags(row, names, "before") if row["_merge"] != "right_only" else set()
        after = _flags(row, names, "after") if row["_merge"] != "left_only" else set()
        if before == after:
            continue
        change = (
            "new signal" if after and not before else ("flag raised" if after - before else "flag cleared")
        )
        rows.append(
            {
                "product": row["product"],
                "event": row["event"],
                "change": change,
                "flags_before": "; ".join(sorted(before)),
                "flags_after": "; ".join(sorted(after)),
                "in_old": row["_merge"] != "right_only",
                **{f"{m}_{side}": row[f"{m}_{side}"] for m in SHOWN for side in ("before", "after")},
            }
        )
    return _ordered(pd.DataFrame(rows, columns=_columns()))


def _columns() -> list[str]:
    shown = [f"{m}_{side}" for m in SHOWN for side in ("before", "after")]
    return [*KEY, "change", "flags_before", "flags_after", "in_old", *shown]


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    rank = frame["change"].map(CHANGE_ORDER)
    strength = frame["eb05_after"].fillna(frame["prr_after"]).fillna(-1.0)
    order = pd.DataFrame({"rank": rank, "strength": -strength.astype(float)}).sort_values(
        ["rank", "strength"], kind="stable"
    )
    return frame.loc[order.index].reset_index(drop=True)


def diff_tables(old_path: str | os.PathLike[str], new_path: str | os.PathLike[str]) -> pa.Table:
    return pa.Table.from_pandas(diff(read_signals(old_path), read_signals(new_path)), preserve_index=False)
