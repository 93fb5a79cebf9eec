"""When a fitted Gamma-Poisson prior cannot be trusted, and why (in words for the warning and the record).

DuMouchel's (1999) empirical Bayes needs a table large enough to estimate five hyperparameters. On small
data (a clinic's database, a sample of a few dozen reports) the maximum of the marginal likelihood may lie
at the edge of the search box or the data may not identify the prior at all; the EB scores are then an
artefact of the optimiser (for example EBGM 6e-6 for N = 1, E = 1, or one EBGM for every pair). A fit is
*degenerate* when any of these holds:

* fewer than ``MIN_PAIRS`` pairs with N ≥ 1 (ten per hyperparameter);
* every pair has the same N (the counts cannot tell the prior's spread from its mean);
* a shape α or a prior mean α/β of a component in use is at the bound e^±12 of the search box (to within
  ``BOUND_TOLERANCE`` on the log scale): the likelihood still rises towards the edge, so the optimum found
  is the box, not the data (on large null-like data this is a component turning into a point mass).

``gps.fit_prior`` adds one more under ``consensus``: no two starts reached the same optimum.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

MIN_PAIRS = 50
BOUND_TOLERANCE = 1e-3


def _at_bound(value: float, log_bound: float) -> str | None:
    log = math.log(value)
    if abs(abs(log) - log_bound) >= BOUND_TOLERANCE:
        return None
    return f"{'upper' if log > 0 else 'lower'} bound e^{'' if log > 0 else '-'}{log_bound:g}"


def degeneracies(
    components: list[tuple[str, float, float]],
    n: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    log_bound: float,
) -> tuple[str, ...]:
    """The reasons a fit is degenerate (empty when it is not).

    ``components``: (name, α, β) of each gamma component the prior uses; ``n``, ``w``: the distinct
    counts the prior was fitted on and their weights (pairs).
    """
    reasons = []
    pairs = float(w.sum())
    if pairs < MIN_PAIRS:
        reasons.append(f"only {pairs:.0f} pairs with N ≥ 1 (a prior needs at least {MIN_PAIRS})")
    if len(np.unique(n)) < 2:
        reasons.append(
            f"every pair has N = {n[0]:g}: the counts cannot tell the prior's spread from its mean"
        )
    for name, alpha, beta in components:
        for label, value in ((f"α{name}", alpha), (f"the prior mean α{name}/β{name}", alpha / beta)):
            bound = _at_bound(value, log_bound)
            if bound:
                reasons.append(f"{label} = {value:.8g} is at the {bound} of the search box")
    return tuple(reasons)
