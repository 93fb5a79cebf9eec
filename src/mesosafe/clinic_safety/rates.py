"""Complication rates per clinic, practitioner, product or batch with exact confidence intervals.

* ``exact`` (default): Clopper–Pearson interval for a binomial proportion events / treatments.
* ``poisson``: exact Poisson (Garwood) interval for events per treatment, from chi-square quantiles;
  suits rare events counted against exposure.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

FloatArray = npt.NDArray[np.float64]
Method = Literal["exact", "poisson"]


def clopper_pearson(
    events: npt.ArrayLike, trials: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    k, n = np.asarray(events, dtype=np.float64), np.asarray(trials, dtype=np.float64)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        upper = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def poisson_interval(
    events: npt.ArrayLike, exposure: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    k, t = np.asarray(events, dtype=np.float64), np.asarray(exposure, dtype=np.float64)
    alpha = 1.0 - level
    lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / t
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / t
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def rate_table(
    frame: pd.DataFrame, by: str, outcome: str, method: Method = "exact", level: float = 0.95
) -> pd.DataFrame:
    """One row per unit: treatments, events, rate and its interval, sorted by rate (highest first).

    ``frame`` has one row per treatment, a unit column ``by`` and a boolean column ``outcome``.
    """
    grouped = frame.groupby(by, sort=True, observed=True)[outcome].agg(["size", "sum"])
    treatments = grouped["size"].to_numpy(dtype=np.int64)
    events = grouped["sum"].to_numpy(dtype=np.int64)
    if method == "exact":
        lower, upper = clopper_pearson(events, treatments, level)
    else:
        lower, upper = poisson_interval(events, treatments, level)
    table = pd.DataFrame(
        {
            "unit_type": by,
            "unit": grouped.index.astype(str),
            "outcome": outcome,
            "treatments": treatments,
            "events": events,
            "rate": events / treatments,
            "lower": lower,
            "upper": upper,
            "method": method,
        }
    )
    return table.sort_values(["rate", "events"], ascending=False, kind="stable").reset_index(drop=True)
