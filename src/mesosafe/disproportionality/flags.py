"""Routine screening flags, one boolean column each, with the thresholds as options.

* ``flag_eb05``: EB05 ≥ 2 (the FDA's screening rule for the Gamma-Poisson shrinker; Szarfman, Machado &
  O'Neill 2002).
* ``flag_evans``: PRR ≥ 2, Yates's χ² ≥ 4 and N ≥ 3 (Evans, Waller & Davis 2001; the MHRA's rule).
* ``flag_ic025``: IC025 > 0 (BCPNN; Norén et al. 2013).
* ``flag_ror``: the lower bound of ROR's 95% interval > 1 and N ≥ 3 (van Puijenbroek et al. 2002; the
  minimum count is routine screening's, as Evans's: Woolf's interval is asymptotic and means nothing at
  N = 1, where it flagged a quarter of CAERS's single-report pairs).
* ``flag_fdr``: the pairs whose posterior probability of no disproportionality, P(λ ≤ 1 | N), is small
  enough that the expected share of false signals among the flagged pairs — the mean of their P(λ ≤ 1 | N)
  — is at most the level (Bayesian false discovery rate; Ahmed et al. 2009, as PhViD's ``DECISION = 1``):
  pairs are ranked by P(λ ≤ 1 | N) and the largest k whose running mean is ≤ the level are flagged. Pairs
  with equal P(λ ≤ 1 | N) (identical N and E) are flagged all or none: where the k-th pair falls inside
  such a tie, the whole tie is left unflagged (the mean of the rest is still ≤ the level) and ``Tie`` says
  so. PhViD flags the first of them in the table's order, which tells pairs with the same evidence apart by
  their names.

With a degenerate prior (no EB scores) ``flag_eb05`` and ``flag_fdr`` are empty (null), not false.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FLAG_COLUMNS = ("flag_eb05", "flag_evans", "flag_ic025", "flag_ror", "flag_fdr")
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Thresholds:
    eb05: float = 2.0
    evans_prr: float = 2.0
    evans_chi2: float = 4.0
    evans_n: int = 3
    ic025: float = 0.0
    ror_lower: float = 1.0
    ror_n: int = 3
    fdr: float = 0.05


TIE = 1e-12  # relative: a running mean this close to the FDR level counts as equal to it


def _running_count(ranked: npt.NDArray[np.float64], level: float) -> int:
    """The largest k whose k smallest values (`ranked`: sorted ascending) have a mean ≤ level.

    The running mean of sorted values never decreases, but in floating point a run of equal values can
    wobble in its last bits (3x/3 > x): held non-decreasing, and compared with the level up to a relative
    TIE, a mean equal to the level is below it, as in exact arithmetic."""
    running_mean = np.maximum.accumulate(np.cumsum(ranked) / np.arange(1, len(ranked) + 1))
    return int(np.searchsorted(running_mean, level * (1 + TIE), side="right"))


@dataclass(frozen=True)
class Tie:
    """The pairs tied at the FDR rule's cutoff and left unflagged together (``pairs`` = 0: none were)."""

    pairs: int = 0
    post_h0: float = float("nan")
    room: int = 0  # how many of them the mean would have allowed

    def note(self, level: float) -> str:
        if not self.pairs:
            return ""
        return (
            f"flag_fdr: the {self.pairs} pairs with P(λ ≤ 1 | N) = {self.post_h0:.6g} are all left "
            f"unflagged: the rule (mean P(λ ≤ 1 | N) of the flagged pairs ≤ {level:g}) had room for "
            f"{self.room} of them but not all, and they have the same evidence (flagging the first in name "
            "order would tell them apart by their names)"
        )


def fdr_cut(ranked: npt.NDArray[np.float64], level: float) -> tuple[int, Tie]:
    """How many of the smallest values (`ranked`: sorted ascending) are flagged, and the tie left out: the
    largest k with a mean ≤ level, lowered to the start of a tie it would split."""
    k = _running_count(ranked, level)
    if not 0 < k < len(ranked) or ranked[k] != ranked[k - 1]:
        return k, Tie()
    start, end = (int(np.searchsorted(ranked, ranked[k - 1], side=side)) for side in ("left", "right"))
    return start, Tie(end - start, float(ranked[k - 1]), k - start)


def fdr_count(ranked: npt.NDArray[np.float64], level: float) -> int:
    """How many of the smallest values (`ranked`: sorted ascending) the FDR rule flags (``fdr_cut``)."""
    return fdr_cut(ranked, level)[0]


def bayesian_fdr(post_h0: npt.ArrayLike, level: float) -> BoolArray:
    """Flag the k pairs with the smallest P(λ ≤ 1 | N), k the largest with mean P(λ ≤ 1 | N) ≤ level that
    splits no tie."""
    values = np.asarray(post_h0, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    k = fdr_count(values[order], level)
    flagged = np.zeros(len(values), dtype=bool)
    flagged[order[:k]] = True
    return flagged


def frequentist_flags(
    columns: dict[str, npt.NDArray[np.float64]], thresholds: Thresholds
) -> dict[str, BoolArray]:
    """The flags that need no prior: Evans, IC025, ROR (a NaN measure never flags)."""
    with np.errstate(invalid="ignore"):
        evans = (
            (columns["prr"] >= thresholds.evans_prr)
            & (columns["chi2_yates"] >= thresholds.evans_chi2)
            & (columns["n"] >= thresholds.evans_n)
        )
        return {
            "flag_evans": np.asarray(evans, dtype=bool),
            "flag_ic025": np.asarray(columns["ic025"] > thresholds.ic025, dtype=bool),
            "flag_ror": np.asarray(
                (columns["ror_lower"] > thresholds.ror_lower) & (columns["n"] >= thresholds.ror_n), dtype=bool
            ),
        }


def eb_flags(eb05: npt.ArrayLike, post_h0: npt.ArrayLike, thresholds: Thresholds) -> dict[str, BoolArray]:
    return {
        "flag_eb05": np.asarray(np.asarray(eb05) >= thresholds.eb05, dtype=bool),
        "flag_fdr": bayesian_fdr(post_h0, thresholds.fdr),
    }
