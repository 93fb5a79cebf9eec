from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mesosafe.clinic_safety import cusum
from mesosafe.lib.analysis_input import AnalysisInputError


def test_cusum_by_hand() -> None:
    # mu0 = 0.5 per window, R = 2: k = 0.5 / ln 2 = 0.7213
    k = 0.5 / np.log(2)
    path = cusum.cusum([0, 2, 1, 3, 0], [0.5] * 5, 2.0, h=3.0)
    expected = [0.0, 2 - k, 3 - 2 * k, 6 - 3 * k, 0.0]
    # window 4 crosses h (6 - 3k = 3.84 > 3): alarm, then the CUSUM restarts at 0
    np.testing.assert_allclose(path.s[:4], expected[:4])
    assert list(path.alarm) == [False, False, False, True, False]
    assert list(path.run_start) == [-1, 1, 1, 1, -1]  # the rise began in window 1 (S was 0 before it)


def test_untested_windows_keep_the_cusum_at_zero() -> None:
    path = cusum.cusum([3, 3, 1], [0.5] * 3, 2.0, h=3.0, tested=[False, True, True])
    assert path.s[0] == 0 and not path.alarm[0] and path.run_start.tolist() == [-1, 1, 1]


def test_reference_value() -> None:
    assert cusum.reference_value(1.0, 2.0) == pytest.approx(1 / np.log(2))


def test_threshold_reaches_the_target_run_length() -> None:
    mu0, ratio, target = 0.2, 2.0, 50.0
    h = cusum.choose_threshold(mu0, ratio, target, seed=3)
    rng = np.random.default_rng(99)
    lengths = []
    for _ in range(400):
        s, t = 0.0, 0
        k = float(cusum.reference_value(mu0, ratio))
        while t < 2000:
            t += 1
            s = max(0.0, s + rng.poisson(mu0) - k)
            if s > h:
                break
        lengths.append(t)
    assert np.mean(lengths) >= 0.8 * target  # an independent simulation agrees (sampling noise allowed)
    assert cusum.choose_threshold(mu0, ratio, target / 5, seed=3) < h


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"rate_ratio": float("nan")}, "rate_ratio"),
        ({"rate_ratio": float("inf")}, "rate_ratio"),
        ({"window_days": 100_000}, "window_days"),
        ({"threshold": float("nan")}, "threshold"),
        ({"onset_delays": (0.0, -1.0)}, "onset_delays"),
        ({"as_of": "3025-01-01"}, "as_of"),
        ({"seed": -1}, "seed"),
        ({"warm_up_days": -1}, "warm_up_days"),
        ({"window_offset_days": 28}, "window_offset_days"),
    ],
)
def test_bad_settings_are_named(setting: dict[str, Any], message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        cusum.CusumDesign(**setting)
