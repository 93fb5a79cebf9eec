from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mesosafe.disproportionality.flags import TIE, Thresholds, Tie, bayesian_fdr, fdr_cut, frequentist_flags


def test_the_fdr_flag_takes_the_largest_set_whose_mean_posterior_null_is_below_the_level() -> None:
    post_h0 = np.array([0.5, 0.01, 0.02, 0.2, 0.04, 0.9])
    # sorted: 0.01, 0.02, 0.04, 0.2 → running means 0.01, 0.015, 0.0233, 0.0675: three pairs at 5%
    assert bayesian_fdr(post_h0, 0.05).tolist() == [False, True, True, False, True, False]
    assert bayesian_fdr(post_h0, 0.07).sum() == 4 and not bayesian_fdr(post_h0, 0.005).any()


@given(st.lists(st.floats(0, 1), min_size=1, max_size=50), st.floats(0.001, 0.5))
def test_the_fdr_flag_agrees_with_phvid_s_rule(values: list[float], level: float) -> None:
    """PhViD (Ahmed et al. 2009): FDR_k = mean of the k smallest postH0; flag the k with FDR_k ≤ level."""
    post_h0 = np.array(values)
    flagged = bayesian_fdr(post_h0, level)
    ranked = [
        Fraction(v) for v in sorted(values)
    ]  # exact: a float mean of equal values can miss them by an ulp
    bound = Fraction(level) * (1 + Fraction(TIE))
    k = sum(sum(ranked[:i]) / i <= bound for i in range(1, len(ranked) + 1))
    if 0 < k < len(ranked) and ranked[k] == ranked[k - 1]:  # a tie at the cutoff is left out whole
        k = ranked.index(ranked[k - 1])
    assert flagged.sum() == k
    if k:
        assert post_h0[flagged].mean() <= level + 1e-12 and post_h0[flagged].max() < post_h0[~flagged].min(
            initial=2
        )


def test_a_level_met_exactly_by_equal_values_flags_them_all() -> None:
    """Hypothesis found it: four values equal to the level flagged two (their float running mean wobbles)."""
    x = 0.10117323784516422
    assert bayesian_fdr(np.array([x, x, x, x]), x).tolist() == [True] * 4


def test_pairs_with_the_same_evidence_are_flagged_all_or_none() -> None:
    """Two pairs with identical N and E (so identical P(λ ≤ 1 | N) = 0.08) after one at 0.02: the mean has
    room for one of them at 5%, and PhViD's ranking flagged the first in name order, the other not."""
    post_h0 = np.array([0.08, 0.02, 0.08])
    assert bayesian_fdr(post_h0, 0.05).tolist() == [False, True, False]
    k, tie = fdr_cut(np.sort(post_h0), 0.05)
    assert (k, tie) == (1, Tie(2, 0.08, 1))
    assert tie.note(0.05).startswith(
        "flag_fdr: the 2 pairs with P(λ ≤ 1 | N) = 0.08 are all left unflagged: the rule (mean P(λ ≤ 1 | N) "
        "of the flagged pairs ≤ 0.05) had room for 1 of them but not all"
    )
    assert bayesian_fdr(post_h0, 0.06).tolist() == [True, True, True]  # room for both: no tie left out
    assert fdr_cut(np.sort(post_h0), 0.06)[1] == Tie() and Tie().note(0.05) == ""


def test_a_nan_measure_never_flags() -> None:
    nan = np.array([np.nan])
    flags = frequentist_flags(
        {"prr": nan, "chi2_yates": nan, "n": np.array([5.0]), "ic025": np.array([0.5]), "ror_lower": nan},
        Thresholds(),
    )
    assert flags == {"flag_evans": [False], "flag_ic025": [True], "flag_ror": [False]}


def test_the_ror_flag_needs_three_reports_by_default() -> None:
    """Woolf's interval is asymptotic: at N = 1 its lower bound can be far above 1 (CAERS: 4,186 pairs)."""
    measures = {
        "prr": np.full(3, np.nan),
        "chi2_yates": np.full(3, np.nan),
        "ic025": np.full(3, -1.0),
        "ror_lower": np.array([112.0, 5.0, 5.0]),
        "n": np.array([1.0, 2.0, 3.0]),
    }
    assert frequentist_flags(measures, Thresholds())["flag_ror"].tolist() == [False, False, True]
    assert frequentist_flags(measures, Thresholds(ror_n=1))["flag_ror"].tolist() == [True, True, True]
