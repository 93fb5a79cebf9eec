from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sstats

from mesosafe.disproportionality import stats


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


def test_prr_interval_and_yates_chi_square_against_scipy() -> None:
    # REUMOFAN PLUS / WEIGHT INCREASED in CAERS: a = 16 of 44 product reports, 31 event reports, 3356 in all
    n, n_product, n_event, n_total = [16], [44], [31], [3356]
    lower, upper = stats.prr_interval(n, n_product, n_event, n_total)
    a, b, c, d = 16, 28, 15, 3297
    se = np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    prr = stats.prr(n, n_product, n_event, n_total)[0]
    assert (lower[0], upper[0]) == (
        pytest.approx(prr * np.exp(-1.959963984540054 * se)),
        pytest.approx(prr * np.exp(1.959963984540054 * se)),
    )
    assert (round(prr, 2), round(lower[0], 2), round(upper[0], 2)) == (80.29, 42.40, 152.05)
    chi2 = stats.chi_square_yates(n, n_product, n_event, n_total)[0]
    assert chi2 == pytest.approx(sstats.chi2_contingency([[a, b], [c, d]], correction=True)[0], rel=1e-12)


def test_yates_correction_never_passes_zero_and_empty_margins_are_undefined() -> None:
    # |ad - bc| = 0 < N/2: the statistic is 0, as in scipy (not (N/2)^2 N / margins)
    chi2 = stats.chi_square_yates([5, 3], [10, 3], [10, 3], [20, 3])
    assert chi2[0] == pytest.approx(sstats.chi2_contingency([[5, 5], [5, 5]], correction=True)[0]) == 0.0
    assert np.isnan(chi2[1])  # every report names the product: c + d = 0
    lower, upper = stats.prr_interval([2, 3], [5, 3], [2, 5], [50, 50])  # c = 0; then b = 0
    assert np.isnan(lower[0]) and np.isnan(upper[0])
    assert np.isfinite(lower[1])  # b = 0 still has an interval (1/a − 1/(a+b) = 0)
