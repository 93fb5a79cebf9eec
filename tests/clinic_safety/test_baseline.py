from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mesosafe.clinic_safety import baseline


def test_onset_delays_are_corrected_for_incomplete_follow_up() -> None:
    # one session a day for 100 days; every session has one infection 10 days and one 50 days after it,
    # seen only when it began by day 99
    sessions = pd.Series(pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(100), unit="D"))
    as_of = sessions.iloc[-1]
    rows = [(s, s + pd.Timedelta(days=d)) for s in sessions for d in (10, 50)]
    infections = pd.DataFrame(rows, columns=["date", "onset_date"])
    infections = infections[infections["onset_date"] <= as_of]  # 90 of delay 10, 50 of delay 50
    pmf = baseline.onset_delay_distribution(sessions, infections, as_of)
    assert pmf[10] == pytest.approx(0.5) and pmf[50] == pytest.approx(0.5) and pmf.sum() == pytest.approx(1)


def test_a_window_s_baseline_uses_only_what_was_known_before_it() -> None:
    # 10 sessions on day 0, one infection 5 days later; 10 more on day 40, all infected on day 45
    day = pd.Timestamp("2025-01-01")
    sessions = pd.DataFrame({"date": [day] * 10 + [day + pd.Timedelta(days=40)] * 10})
    infections = pd.DataFrame(
        {"date": [day] + [day + pd.Timedelta(days=40)] * 10,
         "onset_date": [day + pd.Timedelta(days=5)] + [day + pd.Timedelta(days=45)] * 10}
    )  # fmt: skip
    before = baseline.window_baseline(sessions, infections, day + pd.Timedelta(days=28))
    assert before.rate == pytest.approx(1 / 10)  # the outbreak of day 40 is not known yet
    assert before.cdf[5] == 1.0 and before.cdf[4] == 0.0
    after = baseline.window_baseline(sessions, infections, day + pd.Timedelta(days=56))
    assert after.rate == pytest.approx(11 / 20)
    fixed = baseline.window_baseline(sessions, infections, day, rate=0.01, pmf=np.array([0.5, 0.5]))
    assert fixed.rate == 0.01 and list(fixed.cdf) == [0.5, 1.0]


def test_expected_onsets_of_sessions_in_a_window() -> None:
    plan = baseline.Baseline(0.1, np.cumsum([0.0, 0.5, 0.5]))  # onsets 1 or 2 days after the session
    days = np.array([0, 9, 20])
    # window days 0–9: session 0 gives both its onsets, session 9 neither (days 10, 11), session 20 none
    np.testing.assert_allclose(plan.expected(days, 0, 9), [0.1, 0.0, 0.0])
    np.testing.assert_allclose(plan.expected(days, 10, 10), [0.0, 0.05, 0.0])
