"""What the CUSUM expects: the baseline infection risk p0 and the onset-delay distribution f, estimated for
each window from what was known *before* it, and the onsets its units' sessions are expected to give in it.

* f(d), d = 0, 1, … days from session to onset: the delays of the suspected infections with onset before
  the window, pooled over all units, each count divided by the number of sessions followed up for at least
  d days by the day before the window (a delay of 60 days cannot yet have been seen for last month's
  sessions: the reverse-time estimator of a right-truncated delay distribution under a constant rate).
* p0: the infected sessions with onset before the window / Σ_sessions F(follow-up), F the cumulative f:
  each session counts by the share of its infections that could have begun before the window. While none
  was seen, half of one is counted (``NONE_SEEN``) and f is all on day 0; with no session before the
  window there is no baseline and the window is not tested.

An outbreak therefore never raises the baseline it is tested against; it raises the baseline of the
windows after it, which are tested against what was known by then (a prospective baseline, as a registry
would have it on the day). ``CusumDesign(baseline_rate=…, onset_delays=…)`` fixes p0 or f instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def onset_delay_distribution(
    session_dates: pd.Series, infections: pd.DataFrame, as_of: pd.Timestamp
) -> FloatArray:
    """f(d), d = 0, 1, …: the delays (onset − session, days) of the suspected infections, each count
    divided by the number of sessions followed up for at least d days by ``as_of`` (incomplete follow-up).

    ``session_dates`` has one date per session; ``infections`` one row per infected session (``date``,
    ``onset_date``). With no infections, f puts all weight on day 0 (nothing is expected anyway).
    """
    if infections.empty:
        return np.ones(1)
    delays = (infections["onset_date"] - infections["date"]).dt.days.to_numpy(dtype=np.int64)
    counts = np.bincount(delays).astype(np.float64)
    follow_up = np.sort((as_of - session_dates).dt.days.to_numpy(dtype=np.int64))
    at_risk = len(follow_up) - np.searchsorted(follow_up, np.arange(len(counts)), side="left")
    rate = np.divide(counts, at_risk, out=np.zeros_like(counts), where=at_risk > 0)
    pmf: FloatArray = rate / rate.sum()
    return pmf


def observed_share(follow_up_days: IntArray, pmf: FloatArray) -> FloatArray:
    """F(follow-up): the share of a session's infections that would have begun by then."""
    cdf = np.cumsum(pmf)
    share: FloatArray = np.where(follow_up_days < 0, 0.0, cdf[np.clip(follow_up_days, 0, len(cdf) - 1)])
    return share


# Infections counted where none was seen yet: Jeffreys' half of one. Sessions followed without an infection
# say the risk is low, not nil; a rate of 0 would leave the first outbreak of a registry untested, and a
# fixed floor (1e-6) made two infections a cluster whatever the number of sessions behind it.
NONE_SEEN = 0.5
ESTIMATED = "estimated"
NONE_SEEN_YET = "estimated: no infection seen yet (half of one assumed)"
FIXED = "fixed"
NO_BASELINE = "none: no session followed before the window, not tested"


def baseline_rate(
    session_dates: pd.Series, infected_sessions: int, pmf: FloatArray, as_of: pd.Timestamp
) -> float:
    """Pooled risk per session, counting each session by the share of its follow-up observed by as_of
    (NONE_SEEN infections while none was seen); 0 with no session followed (no baseline)."""
    follow_up = (as_of - session_dates).dt.days.to_numpy(dtype=np.int64)
    followed = float(observed_share(follow_up, pmf).sum())
    return max(infected_sessions, NONE_SEEN) / followed if followed > 0 else 0.0


@dataclass(frozen=True)
class Baseline:
    """p0 and f for one window (f as its cumulative F)."""

    rate: float
    cdf: FloatArray
    kind: str = ESTIMATED  # how p0 was had: ESTIMATED, NONE_SEEN_YET, FIXED or NO_BASELINE

    def expected(self, session_days: IntArray, first: int, last: int) -> FloatArray:
        """Expected onsets on days first..last from one session on each of ``session_days``."""
        return self.rate * (self._cdf_at(last - session_days) - self._cdf_at(first - 1 - session_days))

    def _cdf_at(self, days: IntArray) -> FloatArray:
        at: FloatArray = np.where(days < 0, 0.0, self.cdf[np.clip(days, 0, len(self.cdf) - 1)])
        return at


def window_baseline(
    sessions: pd.DataFrame,
    infections: pd.DataFrame,
    start: pd.Timestamp,
    rate: float | None = None,
    pmf: FloatArray | None = None,
) -> Baseline:
    """The baseline of the window beginning at ``start``, from the sessions (one row per session,
    ``date``) and infected sessions (``date``, ``onset_date``) known before it; ``rate``/``pmf`` fix them."""
    known = start - pd.Timedelta(days=1)
    before = sessions.loc[sessions["date"] < start, "date"]
    seen = infections[infections["onset_date"] < start]
    f = pmf if pmf is not None else onset_delay_distribution(before, seen, known)
    p0 = rate if rate is not None else baseline_rate(before, len(seen), f, known)
    return Baseline(p0, np.cumsum(f), _kind(p0, rate, len(seen)))


def _kind(p0: float, fixed: float | None, seen: int) -> str:
    if fixed is not None:
        return FIXED
    if p0 <= 0:
        return NO_BASELINE
    return ESTIMATED if seen else NONE_SEEN_YET
