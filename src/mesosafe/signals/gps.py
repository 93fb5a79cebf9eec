"""DuMouchel's Gamma-Poisson shrinker: fit the prior, then score every pair (EBGM, EB05, EB95).

Model (DuMouchel 1999): N_ij ~ Poisson(λ_ij · E_ij) and λ ~ P·Gamma(α1, β1) + (1 − P)·Gamma(α2, β2).
The marginal of N is a two-component negative-binomial mixture. The prior is fitted by maximum marginal
likelihood *conditional on N ≥ 1* (zero-truncated; only pairs seen at least once are counted), from
several starting points, with analytic gradients in (log α, log β, logit P).

Scaling: the likelihood depends only on (n, e), so equal points are merged with weights first (exact).
When more than ``squash_above`` distinct points remain, points with the same n are binned by e into at most
``bins_per_count`` superpoints (mean e, summed weight) — DuMouchel & Pregibon's data squashing.

Posterior: λ | n ~ Q·Gamma(α1 + n, β1 + e) + (1 − Q)·Gamma(α2 + n, β2 + e) with Q the posterior weight of
component 1; EBGM = exp(E[log λ]); EB05/EB95 are the 5% and 95% posterior quantiles, found by a
vectorised safeguarded Newton iteration on the mixture CDF (bracketed by the component quantiles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# openEBGM's vignette starting points (alpha1, beta1, alpha2, beta2, p), plus DuMouchel's (1999).
DEFAULT_STARTS: tuple[tuple[float, float, float, float, float], ...] = (
    (0.2, 0.1, 2.0, 4.0, 1 / 3),
    (0.1, 0.1, 10.0, 10.0, 0.2),
    (0.3, 0.5, 6.0, 6.0, 0.5),
    (0.5, 0.3, 12.0, 12.0, 0.8),
    (0.2, 0.2, 5.0, 5.0, 0.4),
    (1.0, 1.0, 2.0, 2.0, 0.3),
)
LOG_BOUND = 12.0  # α, β within [e^-12, e^12]: keeps the gamma functions finite


@dataclass(frozen=True)
class Prior:
    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    p: float

    def canonical(self) -> Prior:
        """Component 1 is the one with the larger prior mean α/β (the 'signal' component)."""
        if self.alpha1 / self.beta1 >= self.alpha2 / self.beta2:
            return self
        return Prior(self.alpha2, self.beta2, self.alpha1, self.beta1, 1.0 - self.p)


@dataclass(frozen=True)
class PriorFit:
    prior: Prior
    neg_log_likelihood: float
    points: int  # (n, e) points the likelihood was evaluated on, after merging/squashing
    pairs: int
    converged_starts: int
    collapsed: bool  # the two-component fit degenerated; a single gamma prior is used instead
    message: str

    def hyperparameters(self) -> dict[str, float]:
        return {**asdict(self.prior), "neg_log_likelihood": self.neg_log_likelihood}


@dataclass(frozen=True)
class Points:
    """Distinct (n, e) points with weights; ``inverse`` maps each input pair to its point."""

    n: FloatArray
    e: FloatArray
    w: FloatArray
    inverse: IntArray


def merge_points(n: npt.ArrayLike, e: npt.ArrayLike) -> Points:
    """Merge equal (n, e) pairs into weighted points, sorted by n then e."""
    n_arr, e_arr = np.asarray(n, dtype=np.float64), np.asarray(e, dtype=np.float64)
    order = np.lexsort((e_arr, n_arr))
    ns, es = n_arr[order], e_arr[order]
    new = np.empty(len(ns), dtype=bool)
    new[:1] = True
    new[1:] = (ns[1:] != ns[:-1]) | (es[1:] != es[:-1])
    group = np.cumsum(new) - 1
    inverse = np.empty(len(ns), dtype=np.int64)
    inverse[order] = group
    weights = np.bincount(group).astype(np.float64)
    return Points(ns[new], es[new], weights, inverse)


def squash(
    n: FloatArray, e: FloatArray, w: FloatArray, bins_per_count: int = 100
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Bin points sharing n (input sorted by n, then e) into at most ``bins_per_count`` superpoints."""
    starts = np.flatnonzero(np.r_[True, n[1:] != n[:-1]])
    sizes = np.diff(np.r_[starts, len(n)])
    rank = np.arange(len(n)) - np.repeat(starts, sizes)
    size = np.repeat(sizes, sizes)
    bin_in_count = np.where(size > bins_per_count, rank * bins_per_count // size, rank)
    key = np.repeat(np.arange(len(starts)), sizes) * bins_per_count + bin_in_count
    new = np.r_[True, key[1:] != key[:-1]]
    group = np.cumsum(new) - 1
    weight = np.bincount(group, weights=w)
    return n[new], np.bincount(group, weights=w * e) / weight, weight


def _component_terms(
    a: float, b: float, n: FloatArray, e: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Zero-truncated NB log-pmf (without the −log n! constant) and its derivatives in a and b."""
    log_r = -np.log1p(e / b)  # log(b / (b + e))
    one_minus_t = -np.expm1(a * log_r)  # P(N ≥ 1)
    log_g = (
        special.gammaln(n + a) - special.gammaln(a) + a * log_r + n * (np.log(e) - np.log(b + e))
        - np.log(one_minus_t)
    )
    d_a = special.digamma(n + a) - special.digamma(a) + log_r / one_minus_t
    d_b = a * e / (b * (b + e)) / one_minus_t - n / (b + e)
    return log_g, d_a, d_b


def _unpack(x: FloatArray) -> Prior:
    a1, b1, a2, b2 = np.exp(x[:4])
    return Prior(float(a1), float(b1), float(a2), float(b2), float(special.expit(x[4])))


def _objective(x: FloatArray, n: FloatArray, e: FloatArray, w: FloatArray) -> tuple[float, FloatArray]:
    prior = _unpack(x)
    p = min(max(prior.p, 1e-300), 1 - 1e-16)
    lg1, da1, db1 = _component_terms(prior.alpha1, prior.beta1, n, e)
    lg2, da2, db2 = _component_terms(prior.alpha2, prior.beta2, n, e)
    l1, l2 = np.log(p) + lg1, np.log1p(-p) + lg2
    log_l = np.logaddexp(l1, l2)
    r1 = np.exp(l1 - log_l)
    r2 = 1.0 - r1
    grad = -np.array(
        [
            prior.alpha1 * np.dot(w, r1 * da1),
            prior.beta1 * np.dot(w, r1 * db1),
            prior.alpha2 * np.dot(w, r2 * da2),
            prior.beta2 * np.dot(w, r2 * db2),
            np.dot(w, r1 - p),
        ]
    )
    return float(-np.dot(w, log_l)), grad


def neg_log_likelihood(prior: Prior, n: npt.ArrayLike, e: npt.ArrayLike, w: npt.ArrayLike | None = None) -> float:
    """Zero-truncated negative log-likelihood (openEBGM's negLL / negLLsquash with N* = 1)."""
    n_arr, e_arr = np.asarray(n, dtype=np.float64), np.asarray(e, dtype=np.float64)
    w_arr = np.ones_like(n_arr) if w is None else np.asarray(w, dtype=np.float64)
    # lgamma(n + 1) was left out of the objective; add it back so the value matches openEBGM's.
    x = _pack(prior)
    value, _ = _objective(x, n_arr, e_arr, w_arr)
    return value + float(np.dot(w_arr, special.gammaln(n_arr + 1)))


def _pack(prior: Prior) -> FloatArray:
    logs = np.log([prior.alpha1, prior.beta1, prior.alpha2, prior.beta2])
    return np.r_[logs, special.logit(prior.p)]


def _minimise(
    start: Sequence[float], n: FloatArray, e: FloatArray, w: FloatArray
) -> optimize.OptimizeResult:
    x0 = _pack(Prior(*start))
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 4 + [(-30.0, 30.0)]
    return optimize.minimize(
        _objective, x0, args=(n, e, w), jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-8, "maxcor": 20},
    )


def _is_collapsed(prior: Prior) -> bool:
    near_edge = prior.p < 1e-4 or prior.p > 1 - 1e-4
    same = abs(np.log(prior.alpha1 / prior.alpha2)) < 1e-3 and abs(np.log(prior.beta1 / prior.beta2)) < 1e-3
    at_bound = any(abs(np.log(v)) > LOG_BOUND - 1e-3 for v in (prior.alpha1, prior.beta1, prior.alpha2, prior.beta2))
    return near_edge or same or at_bound


def _fit_single(n: FloatArray, e: FloatArray, w: FloatArray) -> tuple[Prior, float]:
    """One-gamma prior: both components equal (P = 1)."""

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        lg, da, db = _component_terms(float(np.exp(x[0])), float(np.exp(x[1])), n, e)
        return float(-np.dot(w, lg)), -np.exp(x) * np.array([np.dot(w, da), np.dot(w, db)])

    result = optimize.minimize(
        objective, np.zeros(2), jac=True, method="L-BFGS-B", bounds=[(-LOG_BOUND, LOG_BOUND)] * 2,
        options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-8},
    )
    a, b = (float(v) for v in np.exp(result.x))
    return Prior(a, b, a, b, 1.0), float(result.fun)


def fit_prior(
    n: npt.ArrayLike,
    e: npt.ArrayLike,
    starts: Sequence[Sequence[float]] = DEFAULT_STARTS,
    squash_above: int = 50_000,
    bins_per_count: int = 100,
    points: Points | None = None,
) -> PriorFit:
    """Maximum marginal likelihood (N ≥ 1) fit of the two-gamma prior from several starts."""
    pts = merge_points(n, e) if points is None else points
    keep = pts.n >= 1
    if not keep.any():
        raise ValueError("no pairs with n >= 1 to fit the prior on")
    nn, ee, ww = pts.n[keep], pts.e[keep], pts.w[keep]
    if len(nn) > squash_above:
        nn, ee, ww = squash(nn, ee, ww, bins_per_count)
    constant = float(np.dot(ww, special.gammaln(nn + 1)))
    results = [_minimise(start, nn, ee, ww) for start in starts]
    finite = [r for r in results if np.isfinite(r.fun)]
    converged = sum(bool(r.success) for r in finite)
    best = min(finite, key=lambda r: r.fun) if finite else None
    pairs = int(ww.sum())
    if best is not None and not _is_collapsed(_unpack(best.x)):
        prior = _unpack(best.x).canonical()
        message = f"two-component prior; best of {len(starts)} starts ({converged} converged)"
        return PriorFit(prior, float(best.fun) + constant, len(nn), pairs, converged, False, message)
    prior, value = _fit_single(nn, ee, ww)
    message = "two-component fit collapsed (near-null data or a degenerate mixture); using one gamma prior"
    return PriorFit(prior, value + constant, len(nn), pairs, converged, True, message)


def posterior_weight(prior: Prior, n: FloatArray, e: FloatArray) -> FloatArray:
    """Q_n: posterior probability of component 1 (untruncated NB, as openEBGM's Qn)."""

    def log_nb(a: float, b: float) -> FloatArray:
        return (
            special.gammaln(n + a) - special.gammaln(a) - a * np.log1p(e / b) + n * (np.log(e) - np.log(b + e))
        )

    if prior.p >= 1.0:
        return np.ones_like(n)
    logit = np.log(prior.p) - np.log1p(-prior.p) + log_nb(prior.alpha1, prior.beta1) - log_nb(
        prior.alpha2, prior.beta2
    )
    return np.asarray(special.expit(logit), dtype=np.float64)


def ebgm(prior: Prior, n: FloatArray, e: FloatArray, q: FloatArray) -> FloatArray:
    mean_log1 = special.digamma(prior.alpha1 + n) - np.log(prior.beta1 + e)
    mean_log2 = special.digamma(prior.alpha2 + n) - np.log(prior.beta2 + e)
    return np.asarray(np.exp(q * mean_log1 + (1 - q) * mean_log2), dtype=np.float64)


def _component_quantile(shape: FloatArray, rate: FloatArray, prob: float) -> FloatArray:
    # The gamma quantile depends on the shape only up to scale; compute it once per distinct shape.
    shapes, inverse = np.unique(shape, return_inverse=True)
    return np.asarray(special.gammaincinv(shapes, prob)[inverse] / rate, dtype=np.float64)


def _mixture_cdf_pdf(
    x: FloatArray, q: FloatArray, s1: FloatArray, r1: FloatArray, s2: FloatArray, r2: FloatArray
) -> tuple[FloatArray, FloatArray]:
    def pdf(s: FloatArray, r: FloatArray) -> FloatArray:
        return np.asarray(np.exp(s * np.log(r) + (s - 1) * np.log(x) - r * x - special.gammaln(s)))

    cdf = q * special.gammainc(s1, r1 * x) + (1 - q) * special.gammainc(s2, r2 * x)
    return cdf, q * pdf(s1, r1) + (1 - q) * pdf(s2, r2)


def posterior_quantile(
    prior: Prior, n: FloatArray, e: FloatArray, q: FloatArray, prob: float, rtol: float = 1e-12
) -> FloatArray:
    """The ``prob`` quantile of each posterior mixture (vectorised safeguarded Newton)."""
    s1, r1 = prior.alpha1 + n, prior.beta1 + e
    s2, r2 = prior.alpha2 + n, prior.beta2 + e
    x1, x2 = _component_quantile(s1, r1, prob), _component_quantile(s2, r2, prob)
    lo, hi = np.minimum(x1, x2), np.maximum(x1, x2)
    x = np.clip(q * x1 + (1 - q) * x2, lo, hi)
    active = np.flatnonzero(hi - lo > rtol * hi)
    for _ in range(200):
        if active.size == 0:
            break
        xa = x[active]
        cdf, pdf = _mixture_cdf_pdf(xa, q[active], s1[active], r1[active], s2[active], r2[active])
        err = cdf - prob
        lo[active] = np.where(err < 0, xa, lo[active])
        hi[active] = np.where(err > 0, xa, hi[active])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = xa - err / pdf
        inside = np.isfinite(step) & (step > lo[active]) & (step < hi[active])
        new = np.where(inside, step, 0.5 * (lo[active] + hi[active]))
        done = (np.abs(new - xa) <= rtol * new) | (err == 0) | (hi[active] - lo[active] <= rtol * hi[active])
        x[active] = np.where(err == 0, xa, new)
        active = active[~done]
    return x


@dataclass(frozen=True)
class Scores:
    ebgm: FloatArray
    eb05: FloatArray
    eb95: FloatArray


def score_points(prior: Prior, n: npt.ArrayLike, e: npt.ArrayLike) -> Scores:
    """EBGM, EB05, EB95 for each (n, e)."""
    n_arr, e_arr = np.asarray(n, dtype=np.float64), np.asarray(e, dtype=np.float64)
    q = posterior_weight(prior, n_arr, e_arr)
    return Scores(
        ebgm(prior, n_arr, e_arr, q),
        posterior_quantile(prior, n_arr, e_arr, q, 0.05),
        posterior_quantile(prior, n_arr, e_arr, q, 0.95),
    )


def score(prior: Prior, n: npt.ArrayLike, e: npt.ArrayLike, points: Points | None = None) -> Scores:
    """Score every pair, computing each distinct (n, e) once."""
    pts = merge_points(n, e) if points is None else points
    distinct = score_points(prior, pts.n, pts.e)
    return Scores(distinct.ebgm[pts.inverse], distinct.eb05[pts.inverse], distinct.eb95[pts.inverse])
