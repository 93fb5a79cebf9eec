"""Frequentist disproportionality measures, vectorised over all pairs.

With a = n, b = n_product − n, c = n_event − n, d = n_total − n_product − n_event + n:

* RR = n / e (openEBGM: 0/0 → 0).
* PRR = (a / n_product) / (c / (n_total − n_product)), computed with IEEE arithmetic; a NaN result
  (0/0) becomes +inf, as in openEBGM. PRR ignores strata. Its 95% interval is
  exp(ln PRR ± 1.96·√(1/a − 1/(a+b) + 1/c − 1/(c+d))) (Evans et al. 2001), NaN when a or c is zero.
* Pearson's chi-square with Yates's continuity correction for the 2×2 table,
  χ² = N·max(0, |ad − bc| − N/2)² / ((a+b)(c+d)(a+c)(b+d)) with N = a+b+c+d (NaN when a margin is
  zero), the statistic of the Evans/MHRA rule PRR ≥ 2, χ² ≥ 4, N ≥ 3.
* ROR = (a·d) / (b·c) with a Woolf 95% interval exp(ln ROR ± 1.96·√(1/a + 1/b + 1/c + 1/d)); when a cell
  is zero ROR follows IEEE arithmetic (NaN → +inf) and the interval is NaN (undefined).
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


def _float(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def relative_ratio(n: npt.ArrayLike, e: npt.ArrayLike) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = _float(n) / _float(e)
    return np.where(np.isnan(rr), 0.0, rr)


def prr(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> FloatArray:
    a, np_, ne, nt = _float(n), _float(n_product), _float(n_event), _float(n_total)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (a / np_) / ((ne - a) / (nt - np_))
    return np.where(np.isnan(value), np.inf, value)


def prr_interval(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """PRR's 95% interval (lower, upper) on the log scale; NaN when a or c is zero."""
    a, np_, ne, nt = _float(n), _float(n_product), _float(n_event), _float(n_total)
    c = ne - a
    with np.errstate(divide="ignore", invalid="ignore"):
        half_width = Z95 * np.sqrt(1 / a - 1 / np_ + 1 / c - 1 / (nt - np_))
        log_prr = np.log((a / np_) / (c / (nt - np_)))
        defined = (a > 0) & (c > 0) & (np_ < nt)
        lower = np.where(defined, np.exp(log_prr - half_width), np.nan)
        upper = np.where(defined, np.exp(log_prr + half_width), np.nan)
    return lower, upper


def chi_square_yates(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> FloatArray:
    """Yates-corrected chi-square of the 2×2 table (the correction never passes zero)."""
    a, np_, ne, nt = _float(n), _float(n_product), _float(n_event), _float(n_total)
    b, c = np_ - a, ne - a
    d = nt - np_ - ne + a
    margins = np_ * (nt - np_) * ne * (nt - ne)
    corrected = np.maximum(np.abs(a * d - b * c) - nt / 2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = nt * corrected**2 / margins
    return np.where(margins > 0, value, np.nan)


def ror(
    n: npt.ArrayLike, n_product: npt.ArrayLike, n_event: npt.ArrayLike, n_total: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ROR with its 95% Woolf interval: (ror, lower, upper)."""
    a = _float(n)
    b = _float(n_product) - a
    c = _float(n_event) - a
    d = _float(n_total) - _float(n_product) - _float(n_event) + a
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (a * d) / (b * c)
        value = np.where(np.isnan(value), np.inf, value)
        half_width = Z95 * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        defined = (a > 0) & (b > 0) & (c > 0) & (d > 0)
        log_value = np.log(np.where(defined, value, 1.0))
        lower = np.where(defined, np.exp(log_value - half_width), np.nan)
        upper = np.where(defined, np.exp(log_value + half_width), np.nan)
    return value, lower, upper


def information_component(n: npt.ArrayLike, e: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BCPNN IC and its lower 95% credibility bound IC025: (ic, ic025)."""
    shape, rate = _float(n) + 0.5, _float(e) + 0.5
    ic = np.log2(shape / rate)
    shapes, inverse = np.unique(shape, return_inverse=True)  # the quantile depends on n only up to scale
    ic025 = np.log2(special.gammaincinv(shapes, 0.025)[inverse] / rate)
    return ic, ic025
