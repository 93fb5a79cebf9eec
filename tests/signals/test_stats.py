from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sstats

from mesosafe.signals import stats


def test_prr_follows_openebgm_zero_denominator_conventions() -> None:
    # normal, c = 0 (denominator 0 -> inf), product in every report (0/0 -> inf)
    n = np.array([4, 3, 2])
    n_product = np.array([10, 5, 20])
    n_event = np.array([8, 3, 2])
    n_total = np.array([100, 100, 20])
    value = stats.prr(n, n_product, n_event, n_total)
    assert value[0] == pytest.approx((4 / 10) / (4 / 90))
    assert value[1] == np.inf
    assert value[2] == np.inf


def test_rr_zero_over_zero_is_zero() -> None:
    assert list(stats.relative_ratio([0, 4], [0.0, 2.0])) == [0.0, 2.0]


def test_ror_and_woolf_interval() -> None:
    ror, lower, upper = stats.ror([4], [10], [8], [100])
    a, b, c, d = 4, 6, 4, 86
    assert ror[0] == pytest.approx(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert lower[0] == pytest.approx(np.exp(np.log(ror[0]) - 1.959963984540054 * se))
    assert upper[0] == pytest.approx(np.exp(np.log(ror[0]) + 1.959963984540054 * se))


def test_ror_with_an_empty_cell_has_no_interval() -> None:
    ror, lower, upper = stats.ror([3], [3], [5], [50])  # b = 0
    assert ror[0] == np.inf and np.isnan(lower[0]) and np.isnan(upper[0])


def test_information_component() -> None:
    ic, ic025 = stats.information_component([5, 5, 1], [1.0, 1.0, 3.0])
    assert ic[0] == pytest.approx(np.log2(5.5 / 1.5))
    assert ic025[0] == pytest.approx(np.log2(sstats.gamma.ppf(0.025, 5.5, scale=1 / 1.5)))
    assert ic025[0] == ic025[1] and ic025[2] < 0 < ic025[0]
