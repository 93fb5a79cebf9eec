"""The staff alert's wording of the time since treatment."""

from __future__ import annotations

import pytest

from mesosafe.checkins.tasks import since_treatment


@pytest.mark.parametrize(
    ("days", "text"),
    [(0.2, "5 hours after treatment"), (1 / 24, "1 hour after treatment"), (1.0, "1 day after treatment"),
     (2.0, "2 days after treatment"), (3.9, "3 days after treatment"), (84.5, "84 days after treatment")],
)  # fmt: skip
def test_since_treatment(days: float, text: str) -> None:
    assert since_treatment(days) == text
