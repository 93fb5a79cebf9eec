"""The treatment and complication tables behind clinic, practitioner, product and batch safety: their
column contract and checks.

Column contract (CSV or Parquet; the clinic service exports to it):

``treatments`` — one row per product used in a treatment session (a session with two products has two rows
with the same treatment_id, date, clinic and practitioner):
    treatment_id     text or integer: the session
    date             ISO date (YYYY-MM-DD) of the session; a date-time is taken at the date written
                     (2025-01-05T10:00:00+04:00 is 2025-01-05)
    clinic           text (unique: two clinics must not share it)
    practitioner     text (unique across clinics, e.g. a licence number)
    product          text
    batch            text: the product's batch/lot number (unique per product; the batch unit is
                     "product / batch", so equal lot numbers of two products stay apart)
    multi_dose_vial  boolean (true/false, yes/no, 1/0): the batch was drawn from a multi-dose vial

``complications`` — zero or more rows per treatment:
    treatment_id         refers to a treatment
    onset_date           ISO date of onset, on or after the session's date
    suspected_infection  boolean: an infection is suspected (e.g. nodules, abscess, pus)

Dates must lie between EARLIEST_DATE and LATEST_DATE (the range of nanosecond timestamps). Errors name
the column and the row (counted from 1, after the header); a CSV file that names a column twice, has a
row with too many fields or bytes that are not UTF-8 is refused with the column or the line.

A treatment counts once as *complicated* if it has any complication, and once as *infected* if any of its
complications is a suspected infection. Every count is of sessions: a session counts once for its clinic
and practitioner, and once for each product and each batch it used (`per_unit`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import os
import re
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from mesosafe.lib.analysis_input import AnalysisInputError, control_character, control_error, input_format

TREATMENT_COLUMNS = ("treatment_id", "date", "clinic", "practitioner", "product", "batch", "multi_dose_vial")
COMPLICATION_COLUMNS = ("treatment_id", "onset_date", "suspected_infection")
SESSION_COLUMNS = ("date", "clinic", "practitioner")
NAME_COLUMNS = ("treatment_id", "clinic", "practitioner", "product", "batch")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
EARLIEST_DATE, LATEST_DATE = date(1678, 1, 1), date(2261, 12, 31)
ISO_DAY = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*$"
)


def batch_key(product: str, lot: str) -> str:
    """The batch unit: lot numbers are unique only per product."""
    return f"{product} / {lot}"


@dataclass(frozen=True)
class TreatmentTables:
    treatments: pd.DataFrame
    complications: pd.DataFrame


def read_table(path: str | os.PathLike[str], name: str) -> pd.DataFrame:
    kind = input_format(path)
    try:
        frame = pd.read_parquet(path) if kind == "parquet" else _read_csv(Path(path))
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        first = _problem(Path(path)) or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AnalysisInputError(f"cannot read {name} file {str(path)!r}: {first}") from exc
    if twice := _duplicated(list(frame.columns)):
        raise AnalysisInputError(f"{name} file {str(path)!r} names column {twice!r} twice")
    return frame


def _read_csv(path: Path) -> pd.DataFrame:
    # pandas would rename a second 'clinic' to 'clinic.1' and use the first without a word
    if twice := _duplicated(_header(path)):
        raise ValueError(f"the header names column {twice!r} twice")
    with warnings.catch_warnings():
        # a row with one field too many would otherwise turn the first column into the index
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], index_col=False)


def _duplicated(names: list[str]) -> str:
    """The first column name that appears twice ('' if none does)."""
    seen: set[str] = set()
    for name in map(str, names):
        if name in seen:
            return name
        seen.add(name)
    return ""


def _text(path: Path) -> Any:
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    return opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="")


def _header(path: Path) -> list[str]:
    try:
        with _text(path) as handle:
            return next(csv.reader(handle), [])
    except (OSError, csv.Error, EOFError):
        return []  # pandas names the problem


def _problem(path: Path) -> str:
    """What is wrong with a CSV file pandas could not read, with its line ('' when not found here)."""
    return _not_utf8(path) or _ragged(path) or _repeated(path)


def _repeated(path: Path) -> str:
    twice = _duplicated(_header(path))
    return f"the header names column {twice!r} twice" if twice else ""


def _not_utf8(path: Path) -> str:
    """The first line that is not UTF-8 text, as `mesosafe signals` names it ('' if every line is)."""
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    (raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw).decode("utf-8")
                except UnicodeDecodeError as exc:
                    return f"not UTF-8 text (line {number}, byte {exc.start + 1} of the line)"
    except (OSError, EOFError):
        return ""
    return ""


def _ragged(path: Path) -> str:
    """The first line whose number of fields differs from the header's ('' if none does)."""
    try:
        with _text(path) as handle:
            reader = csv.reader(handle)
            expected = len(next(reader, []))
            for row in reader:
                if row and len(row) > expected:
                    return f"line {reader.line_num} has {len(row)} fields, expected {expected}"
    except (OSError, csv.Error):
        return ""
    return ""


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisInputError(f"{name} table is missing column(s) {', '.join(repr(c) for c in missing)}")
    if frame.empty:
        raise AnalysisInputError(f"{name} table has no data rows")
    _present(frame, columns, name)


def _present(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """Every cell has a value: a short row or a blank cell is named by its column and row."""
    for column in columns:
        missing = frame[column].isna()
        if missing.any():
            raise AnalysisInputError(
                f"{name} column {column!r} row {_row(missing)} has no value "
                f"({int(missing.sum())} missing in all)"
            )


def _named(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """A unit or a session must have a name: whitespace alone names nothing, and a control character
    (engines.inputs.CONTROLS: a NUL, an escape) is no part of one."""
    for column in columns:
        text = frame[column].astype(str)
        blank = text.str.strip() == ""
        if blank.any():
            raise AnalysisInputError(f"{name} column {column!r} row {_row(blank)} is blank")
        controlled = text.map(lambda value: control_character(value) is not None)
        if controlled.any():
            row = _row(controlled)
            raise control_error(f"{name} column {column!r} row {row}", text.iloc[row - 1])


def _row(mask: pd.Series) -> int:
    """The first flagged row, counted from 1."""
    return int(mask.to_numpy().nonzero()[0][0]) + 1


def _dates(series: pd.Series, name: str) -> pd.Series:
    """ISO dates (a date-time counts as the date written); each checked, the first bad row named."""
    text = series.astype(str)
    parts = text.str.extract(ISO_DAY.pattern)
    bad = parts[0].isna()
    if bad.any():
        raise AnalysisInputError(
            f"{name} row {_row(bad)} has {text[bad].iloc[0]!r}, which is not a date (YYYY-MM-DD)"
        )
    years = parts[0].astype(int)
    outside = (years < EARLIEST_DATE.year) | (years > LATEST_DATE.year)
    if outside.any():
        raise AnalysisInputError(
            f"{name} row {_row(outside)} has {text[outside].iloc[0]!r}, outside the supported years "
            f"{EARLIEST_DATE.year}–{LATEST_DATE.year}"
        )
    day = parts[0] + "-" + parts[1] + "-" + parts[2]
    parsed = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna()
    if bad.any():
        raise AnalysisInputError(
            f"{name} row {_row(bad)} has {text[bad].iloc[0]!r}, which is not a date (YYYY-MM-DD)"
        )
    return parsed.astype("datetime64[ns]").set_axis(series.index)


def _flags(series: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(bool)
    text = series.astype(str).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise AnalysisInputError(f"{name} row {_row(bad)} must be true/false, found {series[bad].iloc[0]!r}")
    return text.isin(_TRUE)


def check_tables(treatments: pd.DataFrame, complications: pd.DataFrame) -> TreatmentTables:
    """Validate and normalise both tables (types, keys); AnalysisInputError names the first problem.

    The returned treatments' ``batch`` is the batch unit, "product / lot" (:func:`batch_key`).
    """
    _require(treatments, TREATMENT_COLUMNS, "treatments")
    if len(complications.columns) or not complications.empty:
        missing = [c for c in COMPLICATION_COLUMNS if c not in complications.columns]
        if missing:
            raise AnalysisInputError(
                f"complications table is missing column(s) {', '.join(repr(c) for c in missing)}"
            )
    t = treatments.loc[:, list(TREATMENT_COLUMNS)].copy()
    t["treatment_id"] = t["treatment_id"].astype(str)
    for column in ("clinic", "practitioner", "product", "batch"):
        t[column] = t[column].astype(str)
    _named(t, NAME_COLUMNS, "treatments")
    t["date"] = _dates(t["date"], "treatments column 'date'")
    t["multi_dose_vial"] = _flags(t["multi_dose_vial"], "treatments column 'multi_dose_vial'")
    t["batch"] = [batch_key(product, lot) for product, lot in zip(t["product"], t["batch"], strict=True)]
    _check_sessions(t)
    c = (
        complications.loc[:, list(COMPLICATION_COLUMNS)].copy()
        if len(complications)
        else pd.DataFrame(
            {
                "treatment_id": pd.Series(dtype=str),
                "onset_date": pd.Series(dtype="datetime64[ns]"),
                "suspected_infection": pd.Series(dtype=bool),
            }
        )
    )
    if len(c):
        _present(c, COMPLICATION_COLUMNS, "complications")
        c["treatment_id"] = c["treatment_id"].astype(str)
        c["onset_date"] = _dates(c["onset_date"], "complications column 'onset_date'")
        c["suspected_infection"] = _flags(
            c["suspected_infection"], "complications column 'suspected_infection'"
        )
        unknown = ~c["treatment_id"].isin(t["treatment_id"])
        if unknown.any():
            example = c["treatment_id"][unknown].iloc[0]
            raise AnalysisInputError(
                f"complications column 'treatment_id' refers to unknown treatment {example!r}"
            )
        _check_onsets(t, c)
    return TreatmentTables(t.reset_index(drop=True), c.reset_index(drop=True))


def _check_onsets(t: pd.DataFrame, c: pd.DataFrame) -> None:
    """A complication cannot begin before its session."""
    session_date = c["treatment_id"].map(t.drop_duplicates("treatment_id").set_index("treatment_id")["date"])
    early = c["onset_date"] < session_date
    if early.any():
        row = _row(early)
        raise AnalysisInputError(
            f"complications column 'onset_date' row {row} (treatment {c['treatment_id'].iloc[row - 1]!r}): "
            f"onset {c['onset_date'].iloc[row - 1]:%Y-%m-%d} is before the session's date "
            f"{session_date.iloc[row - 1]:%Y-%m-%d}"
        )


def _check_sessions(t: pd.DataFrame) -> None:
    """The rows of one session must agree on when, where and by whom."""
    distinct = t.groupby("treatment_id")[list(SESSION_COLUMNS)].nunique()  # one pass for all three
    for column in SESSION_COLUMNS:
        varies = distinct[column] > 1
        if varies.any():
            raise AnalysisInputError(
                f"treatments column {column!r} differs between rows of treatment {varies.idxmax()!r}"
            )


def per_unit(frame: pd.DataFrame, unit_type: str) -> pd.DataFrame:
    """One row per session and unit: a two-product session counts once for its clinic, once per product."""
    return frame.drop_duplicates(["treatment_id", unit_type])


def sessions(frame: pd.DataFrame) -> int:
    return int(frame["treatment_id"].nunique())


def load_tables(treatments: str | os.PathLike[str], complications: str | os.PathLike[str]) -> TreatmentTables:
    return check_tables(
        read_table(Path(treatments), "treatments"), read_table(Path(complications), "complications")
    )


def outcomes(tables: TreatmentTables) -> pd.DataFrame:
    """Treatments with two flags: ``complication`` (any) and ``infection`` (any suspected infection)."""
    c = tables.complications
    any_complication = set(c["treatment_id"])
    infected = set(c.loc[c["suspected_infection"], "treatment_id"])
    frame = tables.treatments.copy()
    frame["complication"] = frame["treatment_id"].isin(any_complication)
    frame["infection"] = frame["treatment_id"].isin(infected)
    return frame
