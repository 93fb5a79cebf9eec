"""The registry tables: a session with several products has one row per product, and every count is of
sessions — once for the clinic and practitioner, once for each product and batch."""

from __future__ import annotations

import pandas as pd
import pytest

from mesosafe.signals import clusters, rates
from mesosafe.signals.errors import SignalsInputError
from mesosafe.signals.registry import check_registry, outcomes, per_unit, sessions

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
    frame = outcomes(check_registry(TREATMENTS, COMPLICATIONS))
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
    assert _rates("batch") == {"LP-7": (1, 1), "VC-1": (2, 1), "VC-2": (1, 0)}


def test_cusum_volumes_and_baseline_count_sessions() -> None:
    tables = check_registry(TREATMENTS, COMPLICATIONS)
    assert sessions(tables.treatments) == 3
    series = clusters.scan_registry(tables.treatments, tables.complications, clusters.CusumDesign())
    totals = series.groupby(["unit_type", "unit"])[["treatments", "infections"]].sum()
    by_unit = {key: (int(n), int(k)) for key, n, k in totals.itertuples()}
    assert by_unit[("clinic", "Salon A")] == (2, 1)
    assert by_unit[("batch", "LP-7")] == (1, 1)
    assert series["baseline_rate"].iloc[0] == pytest.approx(1 / 3)


def test_rows_of_one_session_must_agree_on_clinic() -> None:
    moved = TREATMENTS.copy()
    moved.loc[1, "clinic"] = "Salon B"
    with pytest.raises(SignalsInputError, match="'clinic' differs between rows of treatment '1'"):
        check_registry(moved, COMPLICATIONS)
