from __future__ import annotations

from datetime import date

from mesosafe.disproportionality.periods import quarter_end, quarter_ends


def test_quarter_ends() -> None:
    assert quarter_end(date(2024, 2, 29)) == date(2024, 3, 31)
    assert quarter_end(date(2024, 12, 1)) == date(2024, 12, 31)
    assert quarter_ends(date(2023, 11, 5), date(2024, 4, 1)) == [
        ("2023Q4", date(2023, 12, 31)),
        ("2024Q1", date(2024, 3, 31)),
        ("2024Q2", date(2024, 6, 30)),
    ]
    assert quarter_ends(date(2024, 5, 5), date(2024, 5, 5)) == [("2024Q2", date(2024, 6, 30))]
