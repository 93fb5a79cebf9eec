"""Frequentist disproportionality measures, vectorised over all pairs.

With a = n, b = n_product − n, c = n_event − n, d = n_total − n_product − n_event + n:

* RR = n / e (openEBGM: 0/0 → 0).
* Zero cells, one treatment for PRR and ROR: the estimates follow IEEE arithmetic (a ratio with a zero
  denominator is +inf, 0/0 is NaN), and when any of a, b, c, d is 0 *both* 95% intervals are NaN
  (undefined), with no continuity correction. With no report of another product (c + d = 0) PRR is 0/0 on
  the comparator side: NaN, where openEBGM's processRaw writes Inf (it turns every NaN PRR into Inf). The
  log-scale intervals assume every cell is large enough; with b = 0 PRR's variance term 1/a − 1/(a+b)
  vanishes and its interval collapses to a point, and adding ½ to each cell (Haldane–Anscombe) is no better
  on one report:
  1-PHENYLALANINE / HEART RATE INCREASED in CAERS (a = 1, b = 0, c = 120, d = 3235) would get PRR 20.9 [9.2,
  47.4], while Fisher's exact test gives p = 0.036 and the exact conditional interval of the odds ratio is
  [0.69, ∞).
* Too few reports: from fewer than ``MIN_INTERVAL_REPORTS`` (3) reports neither interval is given either
  (NaN): the log-scale intervals are asymptotic, and from one report they are bounds that look like
  measurements (CAERS BONE SOLID / NAIL DISORDER, a, b, c, d = 1, 1, 1, 3353: PRR 1677 [152, 18490], ROR
  3353 [112, 99961]). ``interval_gaps`` says why a pair has no interval, ``gap_text`` in words.
* PRR = (a / (a+b)) / (c / (c+d)) with the 95% interval exp(ln PRR ± 1.96·√(1/a − 1/(a+b) + 1/c − 1/(c+d)))
  (Evans et al. 2001). PRR ignores strata.
* ROR = (a·d) / (b·c) with the Woolf 95% interval exp(ln ROR ± 1.96·√(1/a + 1/b + 1/c + 1/d)).
* Pearson's chi-square with Yates's continuity correction for the 2×2 table,
  χ² = N·max(0, |ad − bc| − N/2)² / ((a+b)(c+d)(a+c)(b+d)) with N = a+b+c+d (NaN when a
  margin is zero), the statistic of the Evans/MHRA rule PRR ≥ 2, χ² ≥ 4, N ≥ 3.
* IC (BCPNN, Norén et al. 2013): IC = log2((n + ½)/(e + ½)); IC025 is the 2.5% quantile of
  log2(λ) with λ ~ Gamma(n + ½, rate e + ½), the exact credibility bound rather than the
  3.3/√n approximation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
Z95 = 1.959963984540054
# The usual minimum of 3 reports for a PRR signal (Evans, Waller & Davis 2001, Pharmacoepidemiol Drug Saf
# 10:483; the MHRA's rule, and routine ROR screening's): no PRR or ROR interval is given from fewer reports
MIN_INTERVAL_REPORTS = 3
# Why a pair has no interval: bit i of ``interval_gaps`` is set when INTERVAL_GAPS[i] holds
INTERVAL_GAPS = (
    f"N < {MIN_INTERVAL_REPORTS} (fewer than {MIN_INTERVAL_REPORTS} reports)",
    "b = 0 (no report of the product without the event)",
    "c = 0 (no report of the event without the product)",
    "d = 0 (no report without the product or the event)",
)


def _float(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def relative_ratio(n: npt.ArrayLike, e: npt.ArrayLike) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = _float(n) / _float(e)
    return np.where(np.isnan(rr), 0.0, rr)


def cells(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The 2×2 cells (a, b, c, d) as observed."""
    a = _float(n)
    b, c = _float(n_product) - a, _float(n_event) - a
    return a, b, c, _float(n_total) - _float(n_product) - _float(n_event) + a


def _gaps(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> npt.NDArray[np.int8]:
    conditions = (a < MIN_INTERVAL_REPORTS, b == 0, c == 0, d == 0)  # in the order of INTERVAL_GAPS
    gaps = np.zeros(len(a), dtype=np.int8)
    for bit, holds in enumerate(conditions):
        gaps |= holds.astype(np.int8) << bit
    return gaps


def interval_gaps(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> npt.NDArray[np.int8]:
    """Why each pair has no PRR or ROR interval, as bits over INTERVAL_GAPS; 0 when it has both."""
    return _gaps(*cells(n, n_product, n_event, n_total))


def gap_text(gaps: int) -> str:
    """The reasons of ``interval_gaps`` in words ('' for 0)."""
    return "; ".join(text for bit, text in enumerate(INTERVAL_GAPS) if gaps >> bit & 1)


def _undefined(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> npt.NDArray[np.bool_]:
    """No interval: fewer than MIN_INTERVAL_REPORTS reports, or a zero cell."""
    undefined: npt.NDArray[np.bool_] = _gaps(a, b, c, d) != 0
    return undefined


def prr(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> FloatArray:
    a, b, c, d = cells(n, n_product, n_event, n_total)
    with np.errstate(divide="ignore", invalid="ignore"):
        value: FloatArray = (a / (a + b)) / (c / (c + d))  # IEEE: c = 0 gives +inf, c + d = 0 NaN
    return value


def prr_interval(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """PRR's 95% interval (lower, upper), computed on the log scale; NaN from fewer than
    MIN_INTERVAL_REPORTS reports or when any cell is zero."""
    a, b, c, d = cells(n, n_product, n_event, n_total)
    defined = ~_undefined(a, b, c, d)
    a, b, c, d = (np.where(defined, x, 1.0) for x in (a, b, c, d))
    half_width = Z95 * np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    log_prr = np.log((a / (a + b)) / (c / (c + d)))
    return np.where(defined, np.exp(log_prr - half_width), np.nan), np.where(
        defined, np.exp(log_prr + half_width), np.nan
    )


def chi_square_yates(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> FloatArray:
    """Yates-corrected chi-square of the 2×2 table (the correction never passes zero)."""
    a, b, c, d = cells(n, n_product, n_event, n_total)
    nt = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    corrected = np.maximum(np.abs(a * d - b * c) - nt / 2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = nt * corrected**2 / margins
    return np.where(margins > 0, value, np.nan)


def ror(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ROR with its 95% Woolf interval: (ror, lower, upper); the interval is NaN from fewer than
    MIN_INTERVAL_REPORTS reports or when any cell is zero."""
    a, b, c, d = cells(n, n_product, n_event, n_total)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (a * d) / (b * c)  # IEEE: x/0 = +inf for x > 0, 0/0 = NaN (undefined)
    defined = ~_undefined(a, b, c, d)
    a, b, c, d = (np.where(defined, x, 1.0) for x in (a, b, c, d))
    half_width = Z95 * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    estimate = np.where(defined, value, 1.0)
    return (
        value,
        np.where(defined, estimate * np.exp(-half_width), np.nan),
        np.where(defined, estimate * np.exp(half_width), np.nan),
    )


def information_component(n: npt.ArrayLike, e: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BCPNN IC and its lower 95% credibility bound IC025: (ic, ic025)."""
    shape, rate = _float(n) + 0.5, _float(e) + 0.5
    ic = np.log2(shape / rate)
    shapes, inverse = np.unique(shape, return_inverse=True)  # the quantile depends on n only up to scale
    ic025 = np.log2(special.gammaincinv(shapes, 0.025)[inverse] / rate)
    return ic, ic025
