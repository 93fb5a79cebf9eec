"""DuMouchel's Gamma-Poisson shrinker: fit the prior, then score every pair (EBGM, EB05, EB95).

Model (DuMouchel 1999): N_ij ~ Poisson(λ_ij · E_ij) and λ ~ P·Gamma(α1, β1) + (1 − P)·Gamma(α2, β2).
The marginal of N is a two-component negative-binomial mixture. The prior is fitted by maximum marginal
likelihood *conditional on N ≥ 1* (zero-truncated; only pairs seen at least once are counted), from
several starting points, with analytic gradients in (log α, log α/β, logit P).

Scaling: the likelihood depends only on (n, e), so equal points are merged with weights first (exact).
When more than ``squash_above`` distinct points remain, points with the same n whose e agree within a
bin of ``squash_width`` on the log scale become one superpoint (mean e, summed weight) — a variant of
DuMouchel & Pregibon's data squashing that bins by e's magnitude rather than by equal counts.

Convergence: a start whose fit L-BFGS-B did not report converged (``status``: the iteration limit, or a
failed line search away from an optimum) is no optimum; it is set aside and named in the message. When no
start converged, or the one-gamma fit did not, the fit is degenerate and says so.

Collapse: if the best mixture puts less than one pair's weight on a component, has two equal components,
or beats a single gamma prior by no more than ``LONE_MARGIN`` log-likelihood units, the single gamma
(P = 1, both components equal) is used instead and ``PriorFit.collapsed`` says so. Whatever prior is
chosen is then checked (``gps_checks``): ``PriorFit.degenerate`` lists why it cannot be trusted, if so.

Posterior: λ | n ~ Q·Gamma(α1 + n, β1 + e) + (1 − Q)·Gamma(α2 + n, β2 + e) with Q the posterior weight of
component 1; EBGM = exp(E[log λ]); EB05/EB95 are the 5% and 95% posterior quantiles, found by a
vectorised safeguarded Newton iteration on the mixture CDF (bracketed by the component quantiles).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, astuple, dataclass
from functools import wraps
from typing import Literal, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from mesosafe.disproportionality.gps_checks import degeneracies

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# openEBGM's vignette starting points (alpha1, beta1, alpha2, beta2, p); the first is DuMouchel's (1999)
# initial guess. The last one is ours.
DEFAULT_STARTS: tuple[tuple[float, float, float, float, float], ...] = (
    (0.2, 0.1, 2.0, 4.0, 1 / 3),
    (0.1, 0.1, 10.0, 10.0, 0.2),
    (0.3, 0.5, 6.0, 6.0, 0.5),
    (0.5, 0.3, 12.0, 12.0, 0.8),
    (0.2, 0.2, 5.0, 5.0, 0.4),
    (1.0, 1.0, 2.0, 2.0, 0.3),
)
LOG_BOUND = 12.0  # α and the prior mean α/β within [e^-12, e^12]: keeps the gamma functions finite
# L-BFGS-B's ``status`` (scipy.optimize.minimize, method="L-BFGS-B", the Fortran code's ``task``):
# 0 converged (projected gradient ≤ gtol or relative reduction ≤ ftol), 1 iteration or evaluation limit
# reached, 2 abnormal termination (the line search failed).
CONVERGED = 0
ABNORMAL_LINE_SEARCH = 2
# scipy's default projected-gradient tolerance for L-BFGS-B (``gtol``): a line search that fails where the
# projected gradient of the mean NLL per pair is within it has failed at an optimum, where no step can lower
# the objective in double precision (the polish asks for a relative reduction of 1e-15)
STATIONARY_GRADIENT = 1e-5
MIXTURE_BOUNDS = ((-LOG_BOUND, LOG_BOUND),) * 4 + ((-30.0, 30.0),)  # log α, log μ, logit P
SINGLE_BOUNDS = ((-LOG_BOUND, LOG_BOUND),) * 2  # log α, log μ


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
    solutions: int  # starts that converged (L-BFGS-B status 0) to a finite optimum
    collapsed: bool  # the two-component fit degenerated; a single gamma prior is used instead
    message: str
    degenerate: tuple[str, ...] = ()  # why the prior cannot be trusted (gps_checks); empty when it can

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
    n: FloatArray, e: FloatArray, w: FloatArray, width: float = 0.1
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Merge points with the same n whose e fall in the same bin of ``width`` on the log scale.

    Input is sorted by n then e (as from :func:`merge_points`); a superpoint has the weighted mean e.
    """
    bins = np.floor(np.log(e) / width).astype(np.int64)
    new = np.r_[True, (n[1:] != n[:-1]) | (bins[1:] != bins[:-1])]
    group = np.cumsum(new) - 1
    weight = np.asarray(np.bincount(group, weights=w), dtype=np.float64)
    mean_e = np.asarray(np.bincount(group, weights=w * e), dtype=np.float64) / weight
    return n[new], mean_e, weight


def _component_terms(
    a: float, b: float, n: FloatArray, e: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Zero-truncated NB log-pmf (without the −log n! constant) and its derivatives in a and b."""
    log_r = -np.log1p(e / b)  # log(b / (b + e))
    one_minus_t = -np.expm1(a * log_r)  # P(N ≥ 1)
    log_g = (
        special.gammaln(n + a)
        - special.gammaln(a)
        + a * log_r
        + n * (np.log(e) - np.log(b + e))
        - np.log(one_minus_t)
    )
    d_a = special.digamma(n + a) - special.digamma(a) + log_r / one_minus_t
    d_b = a * e / (b * (b + e)) / one_minus_t - n / (b + e)
    return log_g, d_a, d_b


# Optimiser coordinates: (log α1, log μ1, log α2, log μ2, logit P) with prior means μ = α/β. Near-null
# data push a component towards a point mass (α, β → ∞ with α/β fixed); in these coordinates that ridge
# runs along one axis, which L-BFGS-B follows to the bound quickly instead of zig-zagging.
def _unpack(x: FloatArray) -> Prior:
    a1, b1, a2, b2 = np.exp([x[0], x[0] - x[1], x[2], x[2] - x[3]])
    return Prior(float(a1), float(b1), float(a2), float(b2), float(special.expit(x[4])))


def _to_mean_coordinates(log_alpha_grad: float, log_beta_grad: float) -> tuple[float, float]:
    """Chain rule from (log α, log β) to (log α, log μ), where log β = log α − log μ."""
    return log_alpha_grad + log_beta_grad, -log_beta_grad


def _objective(x: FloatArray, n: FloatArray, e: FloatArray, w: FloatArray) -> tuple[float, FloatArray]:
    prior = _unpack(x)
    p = min(max(prior.p, 1e-300), 1 - 1e-16)
    lg1, da1, db1 = _component_terms(prior.alpha1, prior.beta1, n, e)
    lg2, da2, db2 = _component_terms(prior.alpha2, prior.beta2, n, e)
    l1, l2 = np.log(p) + lg1, np.log1p(-p) + lg2
    log_l = np.logaddexp(l1, l2)
    r1 = np.exp(l1 - log_l)
    r2 = 1.0 - r1
    c1 = _to_mean_coordinates(prior.alpha1 * np.dot(w, r1 * da1), prior.beta1 * np.dot(w, r1 * db1))
    c2 = _to_mean_coordinates(prior.alpha2 * np.dot(w, r2 * da2), prior.beta2 * np.dot(w, r2 * db2))
    grad = -np.array([*c1, *c2, np.dot(w, r1 - p)])
    return float(-np.dot(w, log_l)), grad


def neg_log_likelihood(
    prior: Prior, n: npt.ArrayLike, e: npt.ArrayLike, w: npt.ArrayLike | None = None
) -> float:
    """Zero-truncated negative log-likelihood (openEBGM's negLL / negLLsquash with N* = 1)."""
    n_arr, e_arr = np.asarray(n, dtype=np.float64), np.asarray(e, dtype=np.float64)
    w_arr = np.ones_like(n_arr) if w is None else np.asarray(w, dtype=np.float64)
    # lgamma(n + 1) was left out of the objective; add it back so the value matches openEBGM's.
    value, _ = _objective(_pack(prior), n_arr, e_arr, w_arr)
    return value + float(np.dot(w_arr, special.gammaln(n_arr + 1)))


def _pack(prior: Prior) -> FloatArray:
    logs = np.log([prior.alpha1, prior.alpha1 / prior.beta1, prior.alpha2, prior.alpha2 / prior.beta2])
    packed: FloatArray = np.append(logs, special.logit(prior.p)).astype(np.float64)
    return packed


def _minimise(
    x0: FloatArray, n: FloatArray, e: FloatArray, w: FloatArray, ftol: float, maxiter: int
) -> optimize.OptimizeResult:
    """L-BFGS-B on the mean negative log-likelihood per pair (well scaled for any table size)."""
    total = float(w.sum())

    def scaled(x: FloatArray) -> tuple[float, FloatArray]:
        value, grad = _objective(x, n, e, w)
        return value / total, grad / total

    return optimize.minimize(
        scaled,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=MIXTURE_BOUNDS,
        options={"maxiter": maxiter, "ftol": ftol, "gtol": 1e-10, "maxcor": 20},
    )


def _is_collapsed(prior: Prior, pairs: float) -> bool:
    """Degenerate: a component carries under one pair's worth of weight, or both components coincide."""
    empty = min(prior.p, 1.0 - prior.p) * pairs < 1.0
    same = abs(np.log(prior.alpha1 / prior.alpha2)) < 1e-3 and abs(np.log(prior.beta1 / prior.beta2)) < 1e-3
    return empty or same


def _projected_gradient(result: optimize.OptimizeResult, bounds: Sequence[tuple[float, float]]) -> float:
    """The largest component of the gradient that a step inside the bounds could follow."""
    lower, upper = np.array(bounds).T
    grad = np.asarray(result.jac, dtype=np.float64)
    blocked = ((result.x <= lower) & (grad > 0)) | ((result.x >= upper) & (grad < 0))
    return float(np.max(np.abs(np.where(blocked, 0.0, grad)), initial=0.0))


def _stopped(result: optimize.OptimizeResult, bounds: Sequence[tuple[float, float]]) -> str:
    """Why L-BFGS-B stopped short of an optimum ('' when it converged, or its line search failed at one)."""
    if result.status == CONVERGED:
        return ""
    if result.status == ABNORMAL_LINE_SEARCH and _projected_gradient(result, bounds) <= STATIONARY_GRADIENT:
        return ""
    return str(result.message).strip() or f"L-BFGS-B status {result.status}"


def _fit_start(
    start: Sequence[float], n: FloatArray, e: FloatArray, w: FloatArray
) -> tuple[float, Prior, str]:
    """(mean NLL, prior, why it did not converge or '') of one start: a loose search, then a tight polish."""
    rough = _minimise(_pack(Prior(*start)), n, e, w, 1e-10, 500)
    result = _minimise(rough.x, n, e, w, 1e-15, 3000) if np.isfinite(rough.fun) else rough
    return float(result.fun), _unpack(result.x).canonical(), _stopped(result, MIXTURE_BOUNDS)


Stalled = list[tuple[float, Prior, str]]  # (NLL, prior, why L-BFGS-B stopped) of starts that did not converge


def _fit_starts(
    starts: Sequence[Sequence[float]], n: FloatArray, e: FloatArray, w: FloatArray, constant: float
) -> tuple[list[tuple[float, Prior]], Stalled]:
    """The (NLL, prior) of each start that converged to a finite optimum, and those of the starts that
    stopped short of one."""
    pairs = float(w.sum())
    converged: list[tuple[float, Prior]] = []
    stalled: Stalled = []
    for start in starts:
        value, prior, why = _fit_start(start, n, e, w)
        if np.isfinite(value):
            if why:
                stalled.append((value * pairs + constant, prior, why))
            else:
                converged.append((value * pairs + constant, prior))
    return converged, stalled


def _fit_single(n: FloatArray, e: FloatArray, w: FloatArray) -> tuple[Prior, float, str]:
    """One-gamma prior: both components equal (P = 1); and why its fit did not converge ('' if it did)."""

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        a, b = float(np.exp(x[0])), float(np.exp(x[0] - x[1]))
        lg, da, db = _component_terms(a, b, n, e)
        return float(-np.dot(w, lg)), -np.array(_to_mean_coordinates(a * np.dot(w, da), b * np.dot(w, db)))

    total = float(w.sum())

    def scaled(x: FloatArray) -> tuple[float, FloatArray]:
        value, grad = objective(x)
        return value / total, grad / total

    result = optimize.minimize(
        scaled,
        np.zeros(2),
        jac=True,
        method="L-BFGS-B",
        bounds=SINGLE_BOUNDS,
        options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10},
    )
    a, b = float(np.exp(result.x[0])), float(np.exp(result.x[0] - result.x[1]))
    return Prior(a, b, a, b, 1.0), float(result.fun) * total, _stopped(result, SINGLE_BOUNDS)


Selection = Literal["consensus", "best"]
# openEBGM autoHyper's closeness tolerances for alpha1, beta1, alpha2, beta2, P
CONSENSUS_TOL = (0.05, 0.05, 0.2, 0.2, 0.025)


def _close(a: Prior, b: Prior) -> bool:
    pairs = zip(astuple(a.canonical()), astuple(b.canonical()), CONSENSUS_TOL, strict=True)
    return all(abs(x - y) < tol or abs(x - y) < 1e-3 * max(abs(x), abs(y)) for x, y, tol in pairs)


LONE_MARGIN = 2.0  # NLL units: 2·ΔNLL < 4 is no clear likelihood-ratio evidence (χ²₁ 95% is 3.84)


def _unconfirmed(solutions: list[tuple[float, Prior]]) -> str:
    """Why no optimum can be trusted when no two starts reached the same one ('' when two did): openEBGM's
    autoHyper refuses such a fit (every start ended elsewhere: the likelihood is flat or has many optima)."""
    priors = [prior for _, prior in solutions]
    if any(_close(a, b) for i, a in enumerate(priors) for b in priors[i + 1 :]):
        return ""
    return (
        f"no two of the {len(priors)} starts that ended at an optimum reached the same one (openEBGM's "
        "autoHyper refuses such a fit)"
    )


def _select(solutions: list[tuple[float, Prior]], selection: Selection) -> tuple[float, Prior, bool]:
    """(nll, prior, confirmed): the lowest optimum, or under "consensus" the lowest optimum reached from
    at least two starts, unless a lone optimum is better by more than LONE_MARGIN."""
    ranked = sorted(solutions, key=lambda item: item[0])
    if selection == "consensus":
        for index, (value, prior) in enumerate(ranked):
            if value - ranked[0][0] > LONE_MARGIN:
                break
            if any(_close(prior, other) for j, (_, other) in enumerate(ranked) if j != index):
                return value, prior, True
    return ranked[0][0], ranked[0][1], False


P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread. The optimiser works on vectors of a few thousand points, where OpenBLAS's threads
    only wait for each other (on two cores the fit took three times the CPU time), and a dot product split
    over threads rounds differently: a Spark run's prior differed from a DuckDB run's in the ninth digit."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _on_one_blas_thread(function: Callable[P, R]) -> Callable[P, R]:
    @wraps(function)
    def on_one_thread(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_blas_thread():
            return function(*args, **kwargs)

    return on_one_thread


@_on_one_blas_thread
def fit_prior(
    n: npt.ArrayLike,
    e: npt.ArrayLike,
    starts: Sequence[Sequence[float]] = DEFAULT_STARTS,
    selection: Selection = "consensus",
    squash_above: int = 50_000,
    squash_width: float = 0.1,
    points: Points | None = None,
) -> PriorFit:
    """Maximum marginal likelihood (N ≥ 1) fit of the two-gamma prior from several starts.

    ``selection="consensus"`` follows openEBGM's autoHyper: the lowest optimum that at least one other
    start also reached, so a lone optimum is not trusted when it is within ``LONE_MARGIN`` of a confirmed
    one (no clear likelihood-ratio evidence); a lone optimum better by more than that is taken.
    ``"best"`` takes the lowest negative log-likelihood found. A set-aside optimum is named in the message.
    Every engine fits on one BLAS thread (``one_blas_thread``), so the same points give the same bits.
    """
    pts = merge_points(n, e) if points is None else points
    keep = pts.n >= 1
    if not keep.any():
        raise ValueError("no pairs with n >= 1 to fit the prior on")
    nn, ee, ww = pts.n[keep], pts.e[keep], pts.w[keep]
    squashed = len(nn) > squash_above
    if squashed:
        nn, ee, ww = squash(nn, ee, ww, squash_width)
    pairs = float(ww.sum())
    constant = float(np.dot(ww, special.gammaln(nn + 1)))
    converged, stalled = _fit_starts(starts, nn, ee, ww, constant)
    solutions = converged or [(value, prior) for value, prior, _ in stalled]
    not_converged = _not_converged(len(converged), stalled, len(starts))
    where = f"{len(nn)} {'squashed' if squashed else 'distinct'} (n, e) points"
    single, single_value, single_stopped = _fit_single(nn, ee, ww)
    fit_problems = not_converged + (
        (f"the one-gamma fit did not converge ({single_stopped})",) if single_stopped else ()
    )
    if solutions:
        value, prior, confirmed = _select(solutions, selection)
        # a mixture no better than one gamma (by the same likelihood-ratio margin) has collapsed
        if not _is_collapsed(prior, pairs) and single_value + constant - value > LONE_MARGIN:
            lowest = min(v for v, _ in solutions)
            note = (
                ""
                if lowest >= value
                else f"; a lower optimum reached from one start only (NLL {lowest!r}) set aside"
            )
            if squashed:  # report the likelihood of the chosen prior on the unsquashed points
                value = neg_log_likelihood(prior, pts.n[keep], pts.e[keep], pts.w[keep])
            message = (
                f"two-component prior from {len(solutions)}/{len(starts)} starts on {where}, "
                f"{'confirmed by another start' if confirmed else 'lowest optimum'}{note}"
                f"{_set_aside(stalled) if converged else ''}"
            )
            components = [("1", prior.alpha1, prior.beta1), ("2", prior.alpha2, prior.beta2)]
            problems = degeneracies(components, nn, ww, LOG_BOUND) + fit_problems
            if selection == "consensus" and (why := _unconfirmed(solutions)):
                problems = (*problems, why)
            return PriorFit(
                prior, value, len(nn), int(pairs), len(converged), False, _said(message, problems), problems
            )
    value = neg_log_likelihood(single, pts.n[keep], pts.e[keep], pts.w[keep])
    message = (
        "two-component fit collapsed (near-null data, a degenerate mixture, or no better than one gamma); "
        f"one gamma prior on {where}{_set_aside(stalled) if converged else ''}"
    )
    problems = degeneracies([("", single.alpha1, single.beta1)], nn, ww, LOG_BOUND) + fit_problems
    return PriorFit(
        single, value, len(nn), int(pairs), len(converged), True, _said(message, problems), problems
    )


def _reasons(stalled: Stalled) -> str:
    return "; ".join(dict.fromkeys(why for _, _, why in stalled))


def _set_aside(stalled: Stalled) -> str:
    """The message's note of the starts that did not converge, when others did ('' when none)."""
    if not stalled:
        return ""
    starts = "start that did" if len(stalled) == 1 else "starts that did"
    return f"; {len(stalled)} {starts} not converge ({_reasons(stalled)}) set aside"


def _not_converged(converged: int, stalled: Stalled, starts: int) -> tuple[str, ...]:
    """The degeneracy when no start converged: the optimum chosen is where an optimiser stopped."""
    if converged or not stalled:
        return ()
    return (
        f"none of the {starts} starts converged (L-BFGS-B stopped: {_reasons(stalled)}): the prior is where "
        "the optimiser stopped, not an optimum of the likelihood",
    )


def _said(message: str, problems: tuple[str, ...]) -> str:
    return message if not problems else f"{message}; DEGENERATE: {'; '.join(problems)}"


def posterior_weight(prior: Prior, n: FloatArray, e: FloatArray) -> FloatArray:
    """Q_n: posterior probability of component 1 (untruncated NB, as openEBGM's Qn)."""

    def log_nb(a: float, b: float) -> FloatArray:
        value: FloatArray = (
            special.gammaln(n + a)
            - special.gammaln(a)
            - a * np.log1p(e / b)
            + n * (np.log(e) - np.log(b + e))
        )
        return value

    if prior.p >= 1.0:
        return np.ones_like(n)
    logit = (
        np.log(prior.p)
        - np.log1p(-prior.p)
        + log_nb(prior.alpha1, prior.beta1)
        - log_nb(prior.alpha2, prior.beta2)
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
    prior: Prior, n: FloatArray, e: FloatArray, q: FloatArray, prob: float, rtol: float = 1e-10
) -> FloatArray:
    """The ``prob`` quantile of each posterior mixture (vectorised safeguarded Newton)."""
    s1, r1 = prior.alpha1 + n, prior.beta1 + e
    s2, r2 = prior.alpha2 + n, prior.beta2 + e
    x1, x2 = _component_quantile(s1, r1, prob), _component_quantile(s2, r2, prob)
    lo, hi = np.minimum(x1, x2), np.maximum(x1, x2)
    x = np.where(q >= 0.5, x1, x2)  # start at the dominant component's quantile
    active = np.flatnonzero(hi - lo > rtol * hi)
    for _ in range(200):
        if active.size == 0:
            break
        xa = x[active]
        cdf, pdf = _mixture_cdf_pdf(xa, q[active], s1[active], r1[active], s2[active], r2[active])
        err = cdf - prob
        lo[active] = np.where(err < 0, xa, lo[active])
        hi[active] = np.where(err > 0, xa, hi[active])
        # a pdf that underflows (a posterior far narrower than its bracket, as a degenerate prior's) makes
        # the step infinite or NaN; such a step is not taken, the bracket is halved instead
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = xa - err / pdf
        inside = np.isfinite(step) & (step > lo[active]) & (step < hi[active])
        new = np.where(inside, step, 0.5 * (lo[active] + hi[active]))
        # gammainc is accurate to ~1e-13 at large shapes: a CDF error under 1e-12 is the noise floor
        converged = np.abs(err) <= 1e-12
        done = converged | (np.abs(new - xa) <= rtol * new) | (hi[active] - lo[active] <= rtol * hi[active])
        x[active] = np.where(converged, xa, new)
        active = active[~done]
    return x


def posterior_null(prior: Prior, n: FloatArray, e: FloatArray, q: FloatArray) -> FloatArray:
    """P(λ ≤ 1 | n): the posterior probability of no disproportionality (PhViD's postH0)."""
    below = q * special.gammainc(prior.alpha1 + n, prior.beta1 + e)
    return np.asarray(below + (1 - q) * special.gammainc(prior.alpha2 + n, prior.beta2 + e), dtype=np.float64)


@dataclass(frozen=True)
class Scores:
    ebgm: FloatArray
    eb05: FloatArray
    eb95: FloatArray
    post_h0: FloatArray  # P(λ ≤ 1 | n)


def score_points(prior: Prior, n: npt.ArrayLike, e: npt.ArrayLike) -> Scores:
    """EBGM, EB05, EB95 for each (n, e)."""
    n_arr, e_arr = np.asarray(n, dtype=np.float64), np.asarray(e, dtype=np.float64)
    q = posterior_weight(prior, n_arr, e_arr)
    return Scores(
        ebgm(prior, n_arr, e_arr, q),
        posterior_quantile(prior, n_arr, e_arr, q, 0.05),
        posterior_quantile(prior, n_arr, e_arr, q, 0.95),
        posterior_null(prior, n_arr, e_arr, q),
    )


def score(prior: Prior, n: npt.ArrayLike, e: npt.ArrayLike, points: Points | None = None) -> Scores:
    """Score every pair, computing each distinct (n, e) once."""
    pts = merge_points(n, e) if points is None else points
    distinct = score_points(prior, pts.n, pts.e)
    return Scores(*(values[pts.inverse] for values in astuple(distinct)))
