"""The registry tables: a session with several products has one row per product, and every count is of
sessions — once for the clinic and practitioner, once for each product and batch."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mesosafe.clinic_safety import clusters, rates
from mesosafe.clinic_safety.cusum import CusumDesign
from mesosafe.clinic_safety.tables import check_tables, load_tables, outcomes, per_unit, sessions
from mesosafe.lib.analysis_input import AnalysisInputError

TREATMENTS = pd.DataFrame(
    [
        # session 1 used two products from two batches; session 2 one product
        ("1", "2026-01-05", "Salon A", "P-1", "Vitamin C", "VC-1", "false"),
        ("1", "2026-01-05", "Salon A", "P-1", "Lipolytic", "LP-7", "true"),
        ("2", "2026-01-06", "Salon A", "P-1", "Vitamin C", "VC-1", "false"),
        ("3", "2026-01-06", "Salon B", "P-2", "Vitamin C", "VC-2", "false"),
    ],
    columns=["treatment_id", "date", "clinic", "practitioner", "product", "batch", "multi_dose_vial"],
)
COMPLICATIONS = pd.DataFrame(
    [("1", "2026-01-09", "true")], columns=["treatment_id", "onset_date", "suspected_infection"]
)


def _rates(unit_type: str) -> dict[str, tuple[int, int]]:
    frame = outcomes(check_tables(TREATMENTS, COMPLICATIONS))
    table = rates.rate_table(per_unit(frame, unit_type), unit_type, "infection")
    return {
        str(unit): (int(n), int(k))
        for unit, n, k in zip(table["unit"], table["treatments"], table["events"], strict=True)
    }


def test_a_two_product_session_counts_once_for_its_clinic_and_practitioner() -> None:
    assert _rates("clinic") == {"Salon A": (2, 1), "Salon B": (1, 0)}
    assert _rates("practitioner") == {"P-1": (2, 1), "P-2": (1, 0)}


def test_and_once_for_each_product_and_batch_it_used() -> None:
    assert _rates("product") == {"Lipolytic": (1, 1), "Vitamin C": (3, 1)}
    assert _rates("batch") == {
        "Lipolytic / LP-7": (1, 1),
        "Vitamin C / VC-1": (2, 1),
        "Vitamin C / VC-2": (1, 0),
    }


def test_cusum_volumes_and_baseline_count_sessions() -> None:
    tables = check_tables(TREATMENTS, COMPLICATIONS)
    assert sessions(tables.treatments) == 3
    followed_up = CusumDesign(as_of="2026-06-30")  # every session followed past the longest delay
    series = clusters.scan(tables.treatments, tables.complications, followed_up)
    totals = series.groupby(["unit_type", "unit"])[["treatments", "infections"]].sum()
    by_unit = {key: (int(n), int(k)) for key, n, k in totals.itertuples()}
    assert by_unit[("clinic", "Salon A")] == (2, 1)
    assert by_unit[("batch", "Lipolytic / LP-7")] == (1, 1)
    # the last window's baseline: 1 infected session of 3, all followed up past the longest delay
    assert series.loc[series["window"].idxmax(), "baseline_rate"] == pytest.approx(1 / 3)


def test_rows_of_one_session_must_agree_on_clinic() -> None:
    moved = TREATMENTS.copy()
    moved.loc[1, "clinic"] = "Salon B"
    with pytest.raises(AnalysisInputError, match="'clinic' differs between rows of treatment '1'"):
        check_tables(moved, COMPLICATIONS)


def test_lot_numbers_are_unique_only_per_product() -> None:
    same_lot = TREATMENTS.assign(batch="LOT-1")
    tables = check_tables(same_lot, COMPLICATIONS)
    assert set(tables.treatments["batch"]) == {"Vitamin C / LOT-1", "Lipolytic / LOT-1"}
    series = clusters.scan(tables.treatments, tables.complications)
    vials = series[series["unit_type"] == "batch"].groupby("unit")["multi_dose_vial"].first()
    assert vials.to_dict() == {"Lipolytic / LOT-1": True, "Vitamin C / LOT-1": False}  # not OR-ed together


def test_an_onset_before_its_session_names_the_column_and_row() -> None:
    early = pd.concat(
        [COMPLICATIONS, pd.DataFrame([("3", "2026-01-05", "true")], columns=COMPLICATIONS.columns)],
        ignore_index=True,
    )
    with pytest.raises(
        AnalysisInputError,
        match=r"complications column 'onset_date' row 2 \(treatment '3'\): onset 2026-01-05 is before the "
        r"session's date 2026-01-06",
    ):
        check_tables(TREATMENTS, early)
    same_day = early.assign(onset_date=["2026-01-09", "2026-01-06"])
    assert len(check_tables(TREATMENTS, same_day).complications) == 2  # the day of the session is fine


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-01-05T10:00:00+04:00", None),  # the date written, whatever the offset
        ("2026-01-05 23:30:00-08:00", None),
        ("3025-01-05", "row 3 has '3025-01-05', outside the supported years 1678–2261"),
        ("1677-12-31", "row 3 has .1677-12-31., outside the supported years"),
        ("2026-02-30", "row 3 has '2026-02-30', which is not a date"),
        ("05/01/2026", "row 3 has .05/01/2026., which is not a date"),
    ],
)
def test_dates(value: str, message: str | None) -> None:
    treatments = TREATMENTS.copy()
    treatments.loc[2, "date"] = value
    if message is None:
        checked = check_tables(treatments, COMPLICATIONS).treatments
        assert checked.loc[2, "date"] == pd.Timestamp("2026-01-05")
        return
    with pytest.raises(AnalysisInputError, match=f"treatments column 'date' {message}"):
        check_tables(treatments, COMPLICATIONS)


def test_tables_are_checked() -> None:
    treatments = pd.DataFrame(
        {
            "treatment_id": ["1", "2"],
            "date": ["2024-01-01", "2024-01-02"],
            "clinic": "c",
            "practitioner": "p",
            "product": "x",
            "batch": "b",
            "multi_dose_vial": ["yes", "no"],
        }
    )
    complications = pd.DataFrame(
        {"treatment_id": ["2"], "onset_date": ["2024-02-01"], "suspected_infection": ["1"]}
    )
    tables = check_tables(treatments, complications)
    assert list(tables.treatments["multi_dose_vial"]) == [True, False]
    with pytest.raises(AnalysisInputError, match="'clinic'"):
        check_tables(treatments.drop(columns="clinic"), complications)
    with pytest.raises(AnalysisInputError, match="row 2 has 'soon', which is not a date"):
        check_tables(treatments.assign(date=["2024-01-01", "soon"]), complications)
    with pytest.raises(AnalysisInputError, match="unknown treatment"):
        check_tables(treatments, complications.assign(treatment_id=["9"]))


def test_a_short_row_names_its_column_and_row(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        "treatment_id,date,clinic,practitioner,product,batch,multi_dose_vial\n"
        "1,2026-01-05,Salon A,P-1,Vitamin C,VC-1,false\n"
        "2,2026-01-06,Salon A,P-1,Vitamin C,VC-1\n"
    )
    (tmp_path / "c.csv").write_text("treatment_id,onset_date,suspected_infection\n1,2026-01-07\n")
    with pytest.raises(AnalysisInputError, match=r"^treatments column 'multi_dose_vial' row 2 has no value"):
        load_tables(tmp_path / "t.csv", tmp_path / "c.csv")
    with pytest.raises(AnalysisInputError, match=r"^complications column 'suspected_infection' row 1 has no"):
        check_tables(TREATMENTS, pd.read_csv(tmp_path / "c.csv", dtype=str))


@pytest.mark.parametrize("column", ["treatment_id", "clinic", "practitioner", "product", "batch"])
def test_a_blank_name_is_not_a_unit(column: str) -> None:
    blank = TREATMENTS.copy()
    blank.loc[2, column] = "  "
    with pytest.raises(AnalysisInputError, match=f"^treatments column '{column}' row 3 is blank$"):
        check_tables(blank, COMPLICATIONS)


@pytest.mark.parametrize(
    ("column", "character"), [("clinic", "\x00"), ("product", "\x1b"), ("treatment_id", "\x85")]
)
def test_a_control_character_in_a_name_is_refused_naming_column_and_row(column: str, character: str) -> None:
    """A NUL in a clinic's name made a unit of its own, written as it was to every output file."""
    named = TREATMENTS.copy()
    named.loc[2, column] = f"Salon{character}A"
    message = f"^treatments column '{column}' row 3 has a control character \\(U\\+{ord(character):04X}\\); "
    with pytest.raises(AnalysisInputError, match=message):
        check_tables(named, COMPLICATIONS)
