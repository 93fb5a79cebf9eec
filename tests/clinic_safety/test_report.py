"""The registry report counts sessions everywhere: in the rate tables, the summary and the CLI's line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mesosafe.clinic_safety.report import write_report
from mesosafe.clinic_safety.tables import check_tables

TREATMENTS = pd.DataFrame(
    [
        ("1", "2026-01-05", "Salon A", "P-1", "Vitamin C", "VC-1", "false"),
        ("2", "2026-01-06", "Salon A", "P-1", "Vitamin C", "VC-1", "false"),
        ("3", "2026-01-06", "Salon B", "P-2", "Vitamin C", "VC-2", "false"),
    ],
    columns=["treatment_id", "date", "clinic", "practitioner", "product", "batch", "multi_dose_vial"],
)
# session 1 has two suspected-infection records (an abscess, then a second nodule) and one other
COMPLICATIONS = pd.DataFrame(
    [("1", "2026-01-20", "true"), ("1", "2026-02-03", "true"), ("2", "2026-01-07", "false")],
    columns=["treatment_id", "onset_date", "suspected_infection"],
)


def test_suspected_infections_are_counted_as_sessions(tmp_path: Path) -> None:
    summary = write_report(check_tables(TREATMENTS, COMPLICATIONS), tmp_path / "report")
    assert (summary.treatments, summary.complications, summary.infections) == (3, 2, 1)
    rates = pd.read_csv(tmp_path / "report" / "rates_clinic.csv")
    infection = rates[(rates["outcome"] == "infection") & (rates["unit"] == "Salon A")].iloc[0]
    assert infection["events"] == summary.infections == 1
    html = (tmp_path / "report" / "summary.html").read_text()
    assert "Treatments with a complication: 2 (3 complication records)" in html
    assert "Treatments with a suspected infection: 1 (2 records)" in html
