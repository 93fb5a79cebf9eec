from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sstats

from mesosafe.disproportionality import stats


def test_prr_of_a_zero_denominator_is_infinite_and_without_a_comparator_undefined() -> None:
    # normal, c = 0 (denominator 0 -> inf, as openEBGM), product in every report (c + d = 0: 0/0 -> NaN)
    value = stats.prr([4, 3, 2], [10, 5, 20], [8, 3, 2], [100, 100, 20])
    assert value[0] == pytest.approx((4 / 10) / (4 / 90))
    assert value[1] == np.inf and np.isnan(value[2])


@pytest.mark.parametrize(
    ("n", "n_product", "n_event", "n_total"),
    [
        (1, 1, 121, 3356),  # CAERS 1-PHENYLALANINE / HEART RATE INCREASED: b = 0
        (3, 5, 3, 100),  # c = 0: the event only in reports of the product
        (3, 3, 3, 50),  # b = c = 0
        (2, 48, 4, 50),  # d = 0: every other report names the product or the event
    ],
)
def test_a_zero_cell_leaves_both_intervals_undefined(
    n: int, n_product: int, n_event: int, n_total: int
) -> None:
    args = ([n], [n_product], [n_event], [n_total])
    lower, upper = stats.prr_interval(*args)
    _, ror_lower, ror_upper = stats.ror(*args)
    assert np.isnan([lower[0], upper[0], ror_lower[0], ror_upper[0]]).all()


def test_the_prr_interval_no_longer_collapses_when_b_is_zero() -> None:
    """It was PRR 27.96 [23.45, 33.33] for one report (1/a − 1/(a+b) = 0); ROR's was already NaN."""
    prr = stats.prr([1], [1], [121], [3356])[0]
    assert prr == pytest.approx(1 / (120 / 3355))  # the estimate itself is defined
    assert np.isnan(stats.prr_interval([1], [1], [121], [3356])).all()


def test_rr_zero_over_zero_is_zero() -> None:
    assert list(stats.relative_ratio([0, 4], [0.0, 2.0])) == [0.0, 2.0]


def test_ror_and_woolf_interval_without_zero_cells() -> None:
    ror, lower, upper = stats.ror([4], [10], [8], [100])
    a, b, c, d = 4, 6, 4, 86
    assert ror[0] == pytest.approx(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert lower[0] == pytest.approx(np.exp(np.log(ror[0]) - 1.959963984540054 * se))
    assert upper[0] == pytest.approx(np.exp(np.log(ror[0]) + 1.959963984540054 * se))


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
    # the chi-square is of the counts as observed: no ½ is added to a zero cell
    assert stats.chi_square_yates([1], [1], [121], [3356])[0] == pytest.approx(
        sstats.chi2_contingency([[1, 0], [120, 3235]], correction=True)[0], rel=1e-12
    )


def test_ror_and_prr_of_zero_over_zero_are_undefined() -> None:
    # a single product: every report names it, so b = n_product − n and c = d = 0
    args = ([2], [3], [2], [3])
    ror, lower, upper = stats.ror(*args)
    assert np.isnan([ror[0], lower[0], upper[0]]).all()
    assert np.isnan([stats.prr(*args)[0], *(bound[0] for bound in stats.prr_interval(*args))]).all()
    assert stats.ror([2], [2], [3], [10])[0] == np.inf  # b = 0 and ad > 0: a ratio with a zero denominator


def test_an_interval_from_fewer_than_three_reports_is_not_given() -> None:
    """CAERS BONE SOLID / NAIL DISORDER, one report (a = 1, b = 1, c = 1, d = 3353): PRR 1677 [152, 18490]
    and ROR 3353 [112, 99961] were printed, bounds that look like numbers from a single report. Below the
    usual minimum of 3 reports (Evans et al. 2001) neither interval is given; the estimates stay."""
    args = ([1, 2, 3], [2, 15, 15], [2, 3, 4], [3356, 3356, 3356])
    lower, upper = stats.prr_interval(*args)
    ror, ror_lower, ror_upper = stats.ror(*args)
    assert np.isnan([lower[:2], upper[:2], ror_lower[:2], ror_upper[:2]]).all()
    assert np.isfinite([lower[2], upper[2], ror_lower[2], ror_upper[2]]).all()
    assert stats.prr(*args)[0] == pytest.approx(1677.0) and ror[0] == pytest.approx(3353.0)
    assert stats.MIN_INTERVAL_REPORTS == 3


def test_the_reason_an_interval_is_not_given_is_named() -> None:
    gaps = stats.interval_gaps([1, 16, 3, 3, 2], [2, 44, 3, 5, 3], [2, 31, 3, 3, 2], [3356, 3356, 50, 100, 3])
    assert [stats.gap_text(int(code)) for code in gaps] == [
        "N < 3 (fewer than 3 reports)",
        "",
        "b = 0 (no report of the product without the event); c = 0 (no report of the event without the "
        "product)",
        "c = 0 (no report of the event without the product)",
        "N < 3 (fewer than 3 reports); c = 0 (no report of the event without the product); d = 0 (no "
        "report without the product or the event)",
    ]
