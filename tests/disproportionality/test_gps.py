from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import optimize, special, stats

from mesosafe.disproportionality import gps
from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.counting import Counts
from mesosafe.disproportionality.pipeline import count_file
from mesosafe.disproportionality.settings import RunSettings

PUBLISHED = gps.Prior(alpha1=3.2560, beta1=0.4000, alpha2=2.0238, beta2=1.9061, p=0.0653)


@pytest.fixture(scope="module")
def caers(caers_path: Path) -> Counts:
    return count_file(caers_path, RunSettings(LongColumns("id", "var1", "var2"), names="as-written"))


@pytest.fixture(scope="module")
def caers_fit(caers: Counts) -> gps.PriorFit:
    return gps.fit_prior(caers.n, caers.e)


def reference_nll(prior: gps.Prior, n: np.ndarray, e: np.ndarray) -> float:
    """openEBGM's negLL written with scipy.stats."""

    def truncated(a: float, b: float) -> np.ndarray:
        p = b / (b + e)
        return stats.nbinom.pmf(n, a, p) / (1 - stats.nbinom.pmf(0, a, p))

    mix = prior.p * truncated(prior.alpha1, prior.beta1) + (1 - prior.p) * truncated(
        prior.alpha2, prior.beta2
    )
    return float(-np.log(mix).sum())


def test_caers_hyperparameters_match_openebgm(caers_fit: gps.PriorFit) -> None:
    got = caers_fit.prior
    assert got.alpha1 == pytest.approx(PUBLISHED.alpha1, abs=5e-3)
    assert got.beta1 == pytest.approx(PUBLISHED.beta1, abs=5e-4)
    assert got.alpha2 == pytest.approx(PUBLISHED.alpha2, abs=5e-4)
    assert got.beta2 == pytest.approx(PUBLISHED.beta2, abs=5e-4)
    assert got.p == pytest.approx(PUBLISHED.p, abs=5e-4)
    assert caers_fit.neg_log_likelihood == pytest.approx(4162.456, abs=2e-3)
    assert not caers_fit.collapsed and caers_fit.pairs == 17189
    assert caers_fit.degenerate == () and "DEGENERATE" not in caers_fit.message


def test_nll_matches_an_independent_formula(caers: Counts, caers_fit: gps.PriorFit) -> None:
    n, e = caers.n.astype(float), caers.e
    assert gps.neg_log_likelihood(PUBLISHED, n, e) == pytest.approx(reference_nll(PUBLISHED, n, e), rel=1e-12)
    assert caers_fit.neg_log_likelihood == pytest.approx(reference_nll(caers_fit.prior, n, e), rel=1e-12)


def test_the_likelihood_truncates_each_component_as_openebgm_does(
    caers: Counts, caers_fit: gps.PriorFit
) -> None:
    """docs/signals.md: each component is conditioned on N ≥ 1 on its own; the zero-truncated mixture
    (the mixture conditioned on N ≥ 1 as a whole) is another likelihood, 4363.93 at the same prior."""
    n, e, prior = caers.n.astype(float), caers.e, caers_fit.prior

    def pmf(a: float, b: float, k: Any) -> np.ndarray:
        return stats.nbinom.pmf(k, a, b / (b + e))

    mixture = prior.p * pmf(prior.alpha1, prior.beta1, n) + (1 - prior.p) * pmf(prior.alpha2, prior.beta2, n)
    zero = prior.p * pmf(prior.alpha1, prior.beta1, 0) + (1 - prior.p) * pmf(prior.alpha2, prior.beta2, 0)
    assert float(-np.log(mixture / (1 - zero)).sum()) == pytest.approx(4363.93, abs=0.01)
    assert caers_fit.neg_log_likelihood == pytest.approx(4162.46, abs=0.01)


def test_the_caers_likelihood_has_a_second_lower_optimum(caers: Counts) -> None:
    """From a start near (21, 1.66, 1.74, 1.56, 0.035) the fit reaches NLL 4162.18, lower than openEBGM's
    4162.456 but found from that start only: "consensus" keeps the confirmed optimum, "best" takes it."""
    starts = (*gps.DEFAULT_STARTS, (20.0, 1.6, 1.7, 1.5, 0.035))
    consensus = gps.fit_prior(caers.n, caers.e, starts=starts)
    best = gps.fit_prior(caers.n, caers.e, starts=starts, selection="best")
    assert consensus.prior.alpha1 == pytest.approx(PUBLISHED.alpha1, abs=5e-3)
    assert "set aside" in consensus.message
    assert best.neg_log_likelihood == pytest.approx(4162.1808, abs=1e-3)
    assert best.prior.alpha1 == pytest.approx(20.96, abs=0.01)
    assert best.neg_log_likelihood == pytest.approx(reference_nll(best.prior, caers.n.astype(float), caers.e))


def test_the_six_default_starts_do_not_reach_the_lower_optimum(
    caers: Counts, caers_fit: gps.PriorFit
) -> None:
    """docs/signals.md: without the extra start above, "best" also ends at openEBGM's optimum."""
    best = gps.fit_prior(caers.n, caers.e, selection="best")
    assert best.neg_log_likelihood == pytest.approx(4162.4557, abs=1e-4)
    assert best.prior.alpha1 == pytest.approx(PUBLISHED.alpha1, abs=5e-3)
    assert "set aside" not in caers_fit.message


def test_reumofan_weight_increased(caers: Counts, caers_fit: gps.PriorFit) -> None:
    products, events = np.array(caers.product.to_pylist()), np.array(caers.event.to_pylist())
    (i,) = np.flatnonzero((products == "REUMOFAN PLUS") & (events == "WEIGHT INCREASED"))
    scores = gps.score(caers_fit.prior, caers.n, caers.e)
    assert caers.n[i] == 16
    assert caers.e[i] == pytest.approx(0.4064, abs=5e-5)
    assert scores.ebgm[i] == pytest.approx(23.26, abs=0.006)
    assert scores.eb05[i] == pytest.approx(15.68, abs=0.01)  # openEBGM bisects to ±0.005 then rounds
    assert scores.eb95[i] == pytest.approx(33.48, abs=0.006)


def test_signal_counts(caers: Counts, caers_fit: gps.PriorFit) -> None:
    scores = gps.score(caers_fit.prior, caers.n, caers.e)
    assert int((scores.eb05 >= 2).sum()) == 131
    # openEBGM rounds EBGM to 2 decimals; one pair has EBGM 3.0011, so full precision gives one more
    assert int((np.round(scores.ebgm, 2) > 3).sum()) == 556
    assert int((scores.ebgm > 3).sum()) == 557


def test_gradient_matches_finite_differences(caers: Counts) -> None:
    pts = gps.merge_points(caers.n, caers.e)
    x = np.array([0.3, -0.7, 0.9, 0.4, -1.5])
    _, grad = gps._objective(x, pts.n, pts.e, pts.w)
    numeric = optimize.approx_fprime(x, lambda v: gps._objective(v, pts.n, pts.e, pts.w)[0], 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4)


def test_merging_points_is_exact(caers: Counts) -> None:
    pts = gps.merge_points(caers.n, caers.e)
    assert len(pts.n) < len(caers.n) and pts.w.sum() == len(caers.n)
    np.testing.assert_array_equal(pts.n[pts.inverse], caers.n)
    np.testing.assert_array_equal(pts.e[pts.inverse], caers.e)
    assert gps.neg_log_likelihood(PUBLISHED, pts.n, pts.e, pts.w) == pytest.approx(
        gps.neg_log_likelihood(PUBLISHED, caers.n, caers.e), rel=1e-12
    )


def test_squashing_changes_the_fit_little(caers: Counts, caers_fit: gps.PriorFit) -> None:
    squashed = gps.fit_prior(caers.n, caers.e, squash_above=100, squash_width=0.05)
    assert squashed.points < 1000
    assert squashed.neg_log_likelihood == pytest.approx(caers_fit.neg_log_likelihood, abs=0.5)


def test_quantiles_and_ebgm_match_direct_computation() -> None:
    prior = gps.Prior(0.2, 0.1, 2.0, 4.0, 1 / 3)
    n = np.array([1.0, 2.0, 5.0, 30.0, 1.0])
    e = np.array([0.01, 3.0, 0.5, 2.0, 40.0])
    scores = gps.score_points(prior, n, e)
    q = gps.posterior_weight(prior, n, e)
    for i in range(len(n)):

        def cdf(x: float, i: int = i) -> float:
            return float(
                q[i] * special.gammainc(prior.alpha1 + n[i], (prior.beta1 + e[i]) * x)
                + (1 - q[i]) * special.gammainc(prior.alpha2 + n[i], (prior.beta2 + e[i]) * x)
            )

        for prob, value in ((0.05, scores.eb05[i]), (0.95, scores.eb95[i])):
            assert value == pytest.approx(
                optimize.brentq(lambda x, p=prob: cdf(x) - p, 1e-12, 1e4, xtol=1e-14), rel=1e-9
            )
        # EBGM: exp of the posterior mean of log(lambda), by quadrature over the mixture
        grid = np.linspace(1e-9, 1, 200001) ** 4 * 200
        dens = q[i] * stats.gamma.pdf(grid, prior.alpha1 + n[i], scale=1 / (prior.beta1 + e[i])) + (
            1 - q[i]
        ) * (stats.gamma.pdf(grid, prior.alpha2 + n[i], scale=1 / (prior.beta2 + e[i])))
        mean_log = np.trapezoid(dens * np.log(grid), grid) / np.trapezoid(dens, grid)
        assert scores.ebgm[i] == pytest.approx(np.exp(mean_log), rel=2e-3)


def test_near_null_data_falls_back_to_one_gamma() -> None:
    rng = np.random.default_rng(1)
    e = rng.uniform(0.5, 5.0, 4000)
    n = rng.poisson(e)
    keep = n >= 1
    fit = gps.fit_prior(n[keep], e[keep])
    assert fit.collapsed
    assert fit.prior.alpha1 == fit.prior.alpha2 and fit.prior.p == 1.0
    assert "collapsed" in fit.message
    assert fit.degenerate == ()  # one gamma well inside the search box: a usable prior, centred on 1
    assert fit.prior.alpha1 / fit.prior.beta1 == pytest.approx(1.0, abs=0.01)
    scores = gps.score(fit.prior, n[keep], e[keep])
    assert (
        np.all(np.isfinite(scores.ebgm))
        and np.all(scores.eb05 <= scores.ebgm)
        and np.all(scores.ebgm <= scores.eb95)
    )


def test_canonical_order_puts_the_larger_mean_first() -> None:
    prior = gps.Prior(2.0, 4.0, 3.0, 0.5, 0.9).canonical()
    assert (prior.alpha1, prior.beta1, prior.p) == (3.0, 0.5, pytest.approx(0.1))


def _first_reports(caers_path: Path, reports: int) -> Counts:
    """The CAERS rows of the first ``reports`` report ids, in file order."""
    import duckdb
    import pandas as pd

    from mesosafe.disproportionality.counting import count_duckdb
    from mesosafe.disproportionality.reading import frame_long_table

    frame = pd.read_csv(caers_path)
    sample = frame[frame["id"].isin(frame["id"].drop_duplicates().head(reports))]
    long = frame_long_table(duckdb.connect(), sample, LongColumns("id", "var1", "var2"), names="as-written")
    return count_duckdb(long)


def test_a_fit_on_thirty_caers_reports_is_degenerate(caers_path: Path) -> None:
    counts = _first_reports(caers_path, 30)
    fit = gps.fit_prior(counts.n, counts.e)
    assert (len(counts), fit.pairs) == (138, 138)
    assert fit.degenerate == ("α = 162754.79 is at the upper bound e^12 of the search box",)
    assert "DEGENERATE" in fit.message
    scores = gps.score(fit.prior, counts.n, counts.e)  # what the scores would say: one EBGM for all
    assert np.ptp(scores.ebgm) < 1e-4 < np.max(counts.n / counts.e) - 29


def test_too_few_pairs_or_one_count_are_degenerate() -> None:
    few = gps.fit_prior([1, 2, 1, 3, 1, 1, 2, 1, 5, 1], [0.5, 1.0, 2.0, 0.3, 1.5, 0.7, 0.2, 1.1, 0.4, 0.9])
    assert any(reason.startswith("only 10 pairs") for reason in few.degenerate)
    rng = np.random.default_rng(3)
    ones = gps.fit_prior(np.ones(400), rng.uniform(0.1, 3.0, 400))
    assert "every pair has N = 1: the counts cannot tell the prior's spread from its mean" in ones.degenerate


def test_the_posterior_probability_of_no_disproportionality_matches_scipy() -> None:
    prior = gps.Prior(0.2, 0.1, 2.0, 4.0, 1 / 3)
    n, e = np.array([1.0, 4.0, 30.0]), np.array([0.5, 1.0, 2.0])
    q = gps.posterior_weight(prior, n, e)
    want = q * stats.gamma.cdf(1, prior.alpha1 + n, scale=1 / (prior.beta1 + e)) + (1 - q) * stats.gamma.cdf(
        1, prior.alpha2 + n, scale=1 / (prior.beta2 + e)
    )
    np.testing.assert_allclose(gps.score_points(prior, n, e).post_h0, want, rtol=1e-12)


def test_the_fit_runs_on_one_blas_thread_whoever_calls_it(
    caers: Counts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Spark run fitted outside the DuckDB pipeline's one-thread block, on two threads: its prior (and so
    every EBGM) differed from DuckDB's in the ninth digit. The limit now sits in the fit itself."""
    from threadpoolctl import threadpool_info, threadpool_limits

    seen: list[int] = []
    minimise = gps._minimise

    def recording(*args: Any) -> optimize.OptimizeResult:
        seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
        return minimise(*args)

    monkeypatch.setattr(gps, "_minimise", recording)
    with threadpool_limits(limits=2, user_api="blas"):
        two = gps.fit_prior(caers.n, caers.e)
    with threadpool_limits(limits=1, user_api="blas"):
        one = gps.fit_prior(caers.n, caers.e)
    assert seen and set(seen) == {1}
    assert two.prior == one.prior  # bit for bit


def test_a_degenerate_prior_scores_without_a_numpy_warning() -> None:
    # A prior fitted on a quarter of dated CAERS (tests/cli: --period quarter --degenerate-prior keep): at
    # these points the posterior is so narrow that its density underflows, and the Newton step overflowed.
    alpha, beta1, beta2, p = 162754.79141900392, 58612.62879071652, 265237.1981836377, 0.4291420173768564
    prior = gps.Prior(alpha, beta1, alpha, beta2, p)
    with warnings.catch_warnings():  # numpy warns of overflow by default (and ignores underflow)
        warnings.simplefilter("error")
        scores = gps.score_points(prior, [1.0, 2.0], [418 / 279, 16 / 279])
    assert (scores.eb05 < scores.ebgm).all() and (scores.ebgm < scores.eb95).all()


def test_a_consensus_fit_that_no_two_starts_reached_is_degenerate(caers: Counts) -> None:
    """openEBGM's autoHyper refuses a fit unless another convergent start reached the chosen optimum. From
    DuMouchel's start and one near the lower CAERS optimum, the two starts end at different optima (NLL
    4162.46 and 4162.18): "consensus" took the lower one as "lowest optimum", with nothing to say it had not
    been confirmed. Now the fit is degenerate, and says why."""
    starts = (gps.DEFAULT_STARTS[0], (20.0, 1.6, 1.7, 1.5, 0.035))
    fit = gps.fit_prior(caers.n, caers.e, starts=starts)
    assert fit.neg_log_likelihood == pytest.approx(4162.1808, abs=1e-3)
    assert fit.degenerate == (
        "no two of the 2 starts that ended at an optimum reached the same one (openEBGM's autoHyper refuses "
        "such a fit)",
    )
    assert fit.message.endswith(f"DEGENERATE: {fit.degenerate[0]}")
    assert gps.fit_prior(caers.n, caers.e, starts=starts, selection="best").degenerate == ()


def _stopping_after(monkeypatch: pytest.MonkeyPatch, iterations: int, parameters: int = 5) -> None:
    """L-BFGS-B as the fit calls it, but stopped on an iteration limit far too low to converge, in the fits
    of ``parameters`` parameters (5: the mixture's starts, 2: the one-gamma fit)."""
    minimize = optimize.minimize

    def limited(function: Any, x0: np.ndarray, **kwargs: Any) -> optimize.OptimizeResult:
        if len(x0) == parameters:
            kwargs = {**kwargs, "options": {**kwargs["options"], "maxiter": iterations}}
        return minimize(function, x0, **kwargs)

    monkeypatch.setattr(gps.optimize, "minimize", limited)


def test_a_fit_stopped_on_the_iteration_limit_is_degenerate(
    caers: Counts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """result.status was never read: a fit that L-BFGS-B stopped on its iteration limit (status 1) was used
    as an optimum, "lowest optimum" with no warning, and its EB scores printed as if they meant something."""
    _stopping_after(monkeypatch, 2)
    fit = gps.fit_prior(caers.n, caers.e, selection="best")
    assert fit.solutions == 0
    assert any(reason.startswith("none of the 6 starts converged") for reason in fit.degenerate)
    assert "ITERATIONS REACHED LIMIT" in " ".join(fit.degenerate)
    assert "DEGENERATE: " in fit.message


def test_a_start_that_did_not_converge_is_set_aside(caers: Counts, monkeypatch: pytest.MonkeyPatch) -> None:
    """One start stopped on the limit is not one of the optima (nor a second start confirming one): it is
    left out and named in the message; the fit from the other starts stands."""
    minimise = gps._minimise
    calls: list[int] = []

    def first_start_stalls(*args: Any) -> optimize.OptimizeResult:
        calls.append(1)
        result = minimise(*args)
        if len(calls) <= 2:  # the first start's loose search and its polish
            result.status, result.success = 1, False
            result.message = "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
        return result

    monkeypatch.setattr(gps, "_minimise", first_start_stalls)
    fit = gps.fit_prior(caers.n, caers.e)
    assert fit.degenerate == () and fit.solutions == 5
    limit = "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
    assert f"1 start that did not converge ({limit}) set aside" in fit.message
    assert fit.prior.alpha1 == pytest.approx(PUBLISHED.alpha1, abs=5e-3)


def test_a_polish_whose_line_search_fails_at_a_converged_point_has_converged(caers: Counts) -> None:
    """The polish asks for a relative reduction of 1e-15; at an optimum its line search can fail in the last
    bits (ABNORMAL, status 2) with a projected gradient within scipy's default tolerance (1e-5). That is
    convergence: on CAERS one of the six starts ends so, and the fit is openEBGM's, not degenerate."""
    fit = gps.fit_prior(caers.n, caers.e)
    assert fit.solutions == 6 and fit.degenerate == ()


def test_a_one_gamma_fit_stopped_on_the_iteration_limit_is_degenerate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The one-gamma fit decides whether the mixture collapses (and is the prior when it does): stopped on
    its limit, its likelihood is not its optimum's, and neither decision can be trusted."""
    rng = np.random.default_rng(0)
    e = rng.gamma(0.5, 0.2, 3000)
    n = rng.poisson(e)
    assert gps.fit_prior(n, e).degenerate == ()  # near-null data: one gamma, a sound fit
    _stopping_after(monkeypatch, 1, parameters=2)
    fit = gps.fit_prior(n, e)
    assert any(reason.startswith("the one-gamma fit did not converge") for reason in fit.degenerate)
