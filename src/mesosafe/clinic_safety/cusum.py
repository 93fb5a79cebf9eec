"""The Poisson CUSUM and its settings (Lucas 1985), tuned to detect a rise of the rate by a ratio R:

    S_0 = 0,   S_t = max(0, S_{t−1} + x_t − k_t),   k_t = μ0_t · (R − 1) / ln R,

which is the log-likelihood-ratio CUSUM of Poisson(R·μ0_t) against Poisson(μ0_t), divided by ln R.
An alarm is raised when S_t > h, after which S restarts at 0. The decision threshold h is the smallest
value (on a 0.05 grid) whose in-control average run length, simulated (seeded) under Poisson(μ0) with the
unit's mean μ0 over its monitored windows, reaches ``target_arl_years`` (default 10 years of windows
between false alarms per unit), and is at least ``min_threshold`` (default 1): each infection adds at most
1 to S, so with h ≥ 1 a single infection never alarms on its own — in a unit whose expected count is tiny
(a batch used in one or two sessions) the run-length rule alone would allow h = 0.05 and call one
infection a cluster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from mesosafe.clinic_safety.tables import EARLIEST_DATE, LATEST_DATE
from mesosafe.lib.analysis_input import AnalysisInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
MAX_WINDOW_DAYS = 365
MAX_WARM_UP_DAYS = 3650
MAX_RATE_RATIO = 100.0
MAX_THRESHOLD = 1000.0


def _finite_between(value: float, low: float, high: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and low <= value <= high


@dataclass(frozen=True)
class CusumDesign:
    """The CUSUM's settings; each is checked here (AnalysisInputError names the setting and its option)."""

    window_days: int = 28
    rate_ratio: float = 2.0
    target_arl_years: float = 10.0
    threshold: float | None = None  # fixed h; otherwise chosen per unit from its baseline
    min_threshold: float = 1.0  # a chosen h is at least this: one infection alone is not a cluster
    baseline_rate: float | None = None  # p0; otherwise the pooled suspected-infection risk
    onset_delays: tuple[float, ...] | None = None  # f(d), d = 0, 1, … days; otherwise estimated
    as_of: str | None = None  # ISO date, the last day observed; otherwise the latest date in the data
    warm_up_days: int = 180  # windows starting earlier after the first session are not tested (estimated
    #                          baselines only): the baseline rests on too little yet
    window_offset_days: int = 0  # the windows begin this many days before the first session
    seed: int = 1985

    def __post_init__(self) -> None:
        if not (isinstance(self.window_days, int) and 1 <= self.window_days <= MAX_WINDOW_DAYS):
            raise AnalysisInputError(f"window_days (--window-days) must be 1 to {MAX_WINDOW_DAYS} days")
        if not _finite_between(self.rate_ratio, 1.01, MAX_RATE_RATIO):
            raise AnalysisInputError(
                f"rate_ratio (--rate-ratio) must be a number from 1.01 to {MAX_RATE_RATIO:g}"
            )
        if not _finite_between(self.target_arl_years, 0.1, 1000.0):
            raise AnalysisInputError("target_arl_years must be a number from 0.1 to 1000")
        if self.threshold is not None and not _finite_between(self.threshold, 0.1, MAX_THRESHOLD):
            raise AnalysisInputError(
                f"threshold (--threshold) must be a number from 0.1 to {MAX_THRESHOLD:g}"
            )
        if not _finite_between(self.min_threshold, 0.0, MAX_THRESHOLD):
            raise AnalysisInputError(f"min_threshold must be a number from 0 to {MAX_THRESHOLD:g}")
        if self.baseline_rate is not None and not _finite_between(self.baseline_rate, 1e-12, 1.0):
            raise AnalysisInputError("baseline_rate must be a risk between 0 and 1")
        if self.onset_delays is not None:
            weights = np.asarray(self.onset_delays, dtype=np.float64)
            if (
                weights.ndim != 1
                or not np.all(np.isfinite(weights))
                or np.any(weights < 0)
                or weights.sum() <= 0
            ):
                raise AnalysisInputError(
                    "onset_delays must be non-negative weights for days 0, 1, … (not all 0)"
                )
        if self.as_of is not None:
            as_of_day(self.as_of)
        if not (isinstance(self.warm_up_days, int) and 0 <= self.warm_up_days <= MAX_WARM_UP_DAYS):
            raise AnalysisInputError(f"warm_up_days (--warm-up-days) must be 0 to {MAX_WARM_UP_DAYS} days")
        if not (isinstance(self.window_offset_days, int) and 0 <= self.window_offset_days < self.window_days):
            raise AnalysisInputError("window_offset_days (--window-offset) must be 0 to window_days − 1")
        if not (isinstance(self.seed, int) and self.seed >= 0):
            raise AnalysisInputError("seed must be a whole number ≥ 0")

    @property
    def target_arl_windows(self) -> float:
        return self.target_arl_years * 365.25 / self.window_days

    @property
    def estimated(self) -> bool:
        """Whether p0 or f is estimated from the data (and so the first windows are a warm-up)."""
        return self.baseline_rate is None or self.onset_delays is None


def as_of_day(text: str) -> pd.Timestamp:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise AnalysisInputError(f"as_of (--as-of) must be a date YYYY-MM-DD, not {text!r}") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise AnalysisInputError(f"as_of (--as-of) must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return pd.Timestamp(day)


def reference_value(mu0: npt.ArrayLike, rate_ratio: float) -> FloatArray:
    value: FloatArray = np.asarray(mu0, dtype=np.float64) * ((rate_ratio - 1.0) / np.log(rate_ratio))
    return value


@dataclass(frozen=True)
class CusumPath:
    """A CUSUM run over one unit's windows."""

    s: FloatArray  # S_t
    alarm: npt.NDArray[np.bool_]
    run_start: IntArray  # the window where the current rise of S began (S was 0 before it); -1 if S = 0


def cusum(
    x: npt.ArrayLike, mu0: npt.ArrayLike, rate_ratio: float, h: float, tested: npt.ArrayLike | None = None
) -> CusumPath:
    """The CUSUM path S_t and alarm flags (S restarts at 0 after each alarm; untested windows keep S at 0)."""
    counts = np.asarray(x, dtype=np.float64)
    k = reference_value(mu0, rate_ratio)
    tests = np.ones(len(counts), dtype=bool) if tested is None else np.asarray(tested, dtype=bool)
    path = CusumPath(np.zeros(len(counts)), np.zeros(len(counts), dtype=bool), np.full(len(counts), -1))
    s, start = 0.0, -1
    for t in range(len(counts)):
        s = max(0.0, s + counts[t] - k[t]) if tests[t] else 0.0
        start = -1 if s == 0 else (t if start < 0 else start)
        path.s[t], path.run_start[t] = s, start
        if s > h:
            path.alarm[t] = True
            s, start = 0.0, -1
    return path


def choose_threshold(
    mu0: float, rate_ratio: float, target_arl: float, seed: int = 1985, paths: int = 2000
) -> float:
    """Smallest h (0.05 grid) with simulated in-control ARL ≥ target_arl windows."""
    rng = np.random.default_rng(seed)
    horizon = int(max(4 * target_arl, 200))
    k = float(reference_value(mu0, rate_ratio))
    s = np.zeros(paths)
    peak = np.zeros(paths)
    running_max = np.empty((horizon, paths))
    for t, draws in enumerate(rng.poisson(mu0, size=(horizon, paths))):
        s = np.maximum(0.0, s + draws - k)
        peak = np.maximum(peak, s)
        running_max[t] = peak

    def arl(h: float) -> float:
        # windows before the running maximum first exceeds h, plus the alarm window (censored at horizon)
        return float(np.minimum((running_max <= h).sum(axis=0) + 1, horizon).mean())

    grid = np.arange(0.05, float(running_max[-1].max()) + 0.1, 0.05)
    low, high = 0, len(grid) - 1  # ARL grows with h: binary search for the first h reaching the target
    while low < high:
        middle = (low + high) // 2
        if arl(float(grid[middle])) >= target_arl:
            high = middle
        else:
            low = middle + 1
    return float(round(grid[low], 2))
