"""Reviewer's reproduction (branch `review`, /work/scratch/review.md F8), a strict xfail so a merge keeps the
suite green: a fix makes it pass, and strict=True then fails until the marker is removed."""

from __future__ import annotations

import pytest

from mesosafe.engines import CheckIn, parse, triage
from mesosafe.knowledge import Disposition


@pytest.mark.xfail(strict=True, reason="review finding F8 (/work/scratch/review.md)")
def test_a_symptom_with_no_answers_beside_a_red_flag_is_not_called_expected_healing() -> None:
    """Step 1 of the patient page stops at a red flag and stores the other ticked symptoms without answers;
    the engine then gives them "expected" reasons and a "what to expect" course, as if mild and improving."""
    result = triage(
        parse(CheckIn, {"days_since_treatment": 2, "symptoms": [{"code": "chest_pain"}, {"code": "pain"}]})
    )
    assert result.disposition == Disposition.EMERGENCY
    assert not [r.rule for r in result.reasons if r.entry == "pain" and r.level == "self_care"]
    assert result.expected == []
