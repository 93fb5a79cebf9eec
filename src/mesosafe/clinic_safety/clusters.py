"""Infection-cluster alerts: a Poisson CUSUM per clinic, practitioner and batch over rolling windows.

Time is cut into consecutive windows of ``window_days``. For unit u and window t, x_t is the number of
suspected infections (one per infected session) with *onset* in the window — an infection becomes known
at onset, days to weeks after the session — and μ0_t the number of onsets expected in the window from
*the same sessions*: every session of the unit before the window's end contributes p0 · f(d) on the day
d days after it, where f is the onset-delay distribution (days from session to onset) and p0 the baseline
infection risk per session. So a batch that is no longer used still expects the late infections of its
last sessions, and the most recent window expects only the onsets that could have happened by ``as_of``
(the last day observed).

* f is estimated from the registry's own suspected infections (the delays onset − session date, pooled
  over all units), corrected for incomplete follow-up: a delay of d days can only have been seen for
  sessions at least d days before ``as_of``, so the count of each delay is divided by the number of such
  sessions (the reverse-time estimator under a constant rate). ``onset_delays`` gives f instead.
* p0 is the pooled risk with the same correction: infected sessions / Σ_sessions F(as_of − session date),
  F the cumulative f (``baseline_rate`` gives p0 instead). Then Σ_t μ0_t over all sessions equals the
  number of infections observed.

Poisson CUSUM (Lucas 1985), tuned to detect a rise of the rate by a ratio R:

    S_0 = 0,   S_t = max(0, S_{t−1} + x_t − k_t),   k_t = μ0_t · (R − 1) / ln R,

which is the log-likelihood-ratio CUSUM of Poisson(R·μ0_t) against Poisson(μ0_t), divided by ln R.
An alarm is raised when S_t > h, after which S restarts at 0. The decision threshold h is the smallest
value (on a 0.05 grid) whose in-control average run length, simulated (seeded) under Poisson(μ0) with the
unit's mean μ0 over its monitored windows (those with μ0_t > 0), reaches ``target_arl_years`` (default
10 years of windows between false alarms per unit), and is at least ``min_threshold`` (default 1): each
infection adds at most 1 to S, so with h ≥ 1 a single infection never alarms on its own — in a unit whose
expected count is tiny (a batch used in one or two sessions) the run-length rule alone would allow h = 0.05
and call one infection a cluster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from mesosafe.clinic_safety.tables import EARLIEST_DATE, LATEST_DATE, TreatmentTables, per_unit
from mesosafe.lib.analysis_input import AnalysisInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CLUSTER_UNITS = ("clinic", "practitioner", "batch")
MAX_WINDOW_DAYS = 365
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
            _as_of_day(self.as_of)
        if not (isinstance(self.seed, int) and self.seed >= 0):
            raise AnalysisInputError("seed must be a whole number ≥ 0")

    @property
    def target_arl_windows(self) -> float:
        return self.target_arl_years * 365.25 / self.window_days


def _as_of_day(text: str) -> pd.Timestamp:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise AnalysisInputError(f"as_of (--as-of) must be a date YYYY-MM-DD, not {text!r}") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise AnalysisInputError(f"as_of (--as-of) must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return pd.Timestamp(day)


def today_or_latest(tables: TreatmentTables, today: date) -> str:
    """The last day observed for a live database: today, or a later date in it (clinics east of UTC)."""
    latest = [tables.treatments["date"].max(), pd.Timestamp(today)]
    if len(tables.complications):
        latest.append(tables.complications["onset_date"].max())
    return str(max(latest).date().isoformat())


def reference_value(mu0: npt.ArrayLike, rate_ratio: float) -> FloatArray:
    value: FloatArray = np.asarray(mu0, dtype=np.float64) * ((rate_ratio - 1.0) / np.log(rate_ratio))
    return value


def cusum(
    x: npt.ArrayLike, mu0: npt.ArrayLike, rate_ratio: float, h: float
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The CUSUM path S_t and alarm flags (S restarts at 0 after each alarm)."""
    counts = np.asarray(x, dtype=np.float64)
    k = reference_value(mu0, rate_ratio)
    path = np.zeros(len(counts))
    alarms = np.zeros(len(counts), dtype=bool)
    s = 0.0
    for t in range(len(counts)):
        s = max(0.0, s + counts[t] - k[t])
        path[t] = s
        if s > h:
            alarms[t] = True
            s = 0.0
    return path, alarms


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


# --- observed and expected onsets ------------------------------------------------------------------------


def _days(dates: pd.Series, origin: pd.Timestamp) -> IntArray:
    days: IntArray = np.asarray((dates - origin).dt.days, dtype=np.int64)
    return days


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
    """F(follow-up): the share of a session's infections that would have begun by ``as_of``."""
    cdf = np.cumsum(pmf)
    share: FloatArray = cdf[np.clip(follow_up_days, 0, len(cdf) - 1)]
    return share


@dataclass(frozen=True)
class Timeline:
    """The common time axis: day 0 is the first session; windows of ``window_days`` from there."""

    origin: pd.Timestamp
    as_of: pd.Timestamp
    window_days: int

    @property
    def days(self) -> int:
        return int((self.as_of - self.origin).days) + 1


def unit_frame(
    unit: str, session_days: IntArray, onset_days: IntArray, pmf: FloatArray, p0: float, timeline: Timeline
) -> pd.DataFrame:
    """One unit's windows, from the window of its first session to the one holding ``as_of``."""
    first = int(session_days.min())
    span = timeline.days - first
    volume = np.bincount(session_days - first, minlength=span).astype(np.float64)
    daily = p0 * np.convolve(volume, pmf)[:span]  # expected onsets per day from the unit's sessions
    width = timeline.window_days
    first_window, last_window = first // width, (timeline.days - 1) // width
    windows = last_window - first_window + 1
    shift = first - first_window * width  # days from the first window's start to the first session
    day_window = (np.arange(span) + shift) // width
    frame = pd.DataFrame(
        {
            "unit": unit,
            "window": np.arange(first_window, last_window + 1),
            "treatments": np.bincount(session_days // width - first_window, minlength=windows),
            "infections": np.bincount(onset_days // width - first_window, minlength=windows),
            "expected": np.bincount(day_window, weights=daily, minlength=windows),
        }
    )
    return frame


def _positions(units: pd.Series) -> dict[str, IntArray]:
    """Row positions of each unit."""
    groups = pd.Series(np.arange(len(units))).groupby(units.astype(str).to_numpy()).indices
    return {str(unit): np.asarray(rows, dtype=np.int64) for unit, rows in groups.items()}


def unit_windows(
    sessions: pd.DataFrame,
    infections: pd.DataFrame,
    unit_type: str,
    design: CusumDesign,
    pmf: FloatArray,
    p0: float,
    timeline: Timeline,
) -> pd.DataFrame:
    """Per unit and window: sessions, infections (by onset) and expected onsets from the same sessions."""
    session_days = _days(sessions["date"], timeline.origin)
    onset_days = _days(infections["onset_date"], timeline.origin)
    by_unit = _positions(sessions[unit_type])
    onsets_by_unit = _positions(infections[unit_type])
    none = np.array([], dtype=np.int64)
    parts = [
        unit_frame(
            unit,
            session_days[by_unit[unit]],
            onset_days[onsets_by_unit.get(unit, none)],
            pmf,
            p0,
            timeline,
        )
        for unit in sorted(by_unit)
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame["window_start"] = timeline.origin + pd.to_timedelta(frame["window"] * design.window_days, unit="D")
    frame["window_end"] = frame["window_start"] + pd.Timedelta(days=design.window_days - 1)
    frame["partial"] = frame["window_end"] > timeline.as_of  # the last window is observed only to as_of
    frame.insert(0, "unit_type", unit_type)
    return frame


def scan_units(
    sessions: pd.DataFrame,
    infections: pd.DataFrame,
    unit_type: str,
    design: CusumDesign,
    pmf: FloatArray,
    p0: float,
    timeline: Timeline,
) -> pd.DataFrame:
    """Run the CUSUM for every unit; adds columns ``k``, ``h``, ``cusum``, ``alarm``."""
    frame = unit_windows(
        per_unit(sessions, unit_type), per_unit(infections, unit_type), unit_type, design, pmf, p0, timeline
    )
    thresholds: dict[float, float] = {}
    parts = []
    for _, series in frame.groupby("unit", sort=True):
        monitored = series["expected"] > 0  # a batch is judged on the windows its sessions can reach
        mean_mu0 = float(series.loc[monitored, "expected"].mean()) if monitored.any() else 0.0
        if design.threshold is not None:
            h = design.threshold
        else:
            key = float(np.round(np.log(max(mean_mu0, 1e-9)), 1))  # reuse h for units of similar volume
            if key not in thresholds:
                thresholds[key] = choose_threshold(
                    max(mean_mu0, 1e-9), design.rate_ratio, design.target_arl_windows, design.seed
                )
            h = max(thresholds[key], design.min_threshold)
        path, alarms = cusum(series["infections"], series["expected"], design.rate_ratio, h)
        series = series.assign(
            k=reference_value(series["expected"], design.rate_ratio), h=h, cusum=path, alarm=alarms
        )
        parts.append(series)
    return pd.concat(parts, ignore_index=True)


def infections_by_unit(treatments: pd.DataFrame, complications: pd.DataFrame) -> pd.DataFrame:
    """Suspected infections (one per infected treatment, at its earliest onset) with the treatment's units."""
    suspected = complications[complications["suspected_infection"]]
    first = suspected.groupby("treatment_id", as_index=False)["onset_date"].min()
    merged: pd.DataFrame = first.merge(treatments, on="treatment_id", how="inner")
    return merged


def baseline_rate(
    session_dates: pd.Series, infected_sessions: int, pmf: FloatArray, as_of: pd.Timestamp
) -> float:
    """Pooled risk per session, counting each session by the share of its follow-up observed by as_of."""
    follow_up = (as_of - session_dates).dt.days.to_numpy(dtype=np.int64)
    followed = float(observed_share(follow_up, pmf).sum())
    return max(infected_sessions / followed if followed > 0 else 0.0, 1e-6)


def _observed_until(
    treatments: pd.DataFrame, complications: pd.DataFrame, design: CusumDesign
) -> pd.Timestamp:
    if design.as_of is not None:
        return _as_of_day(design.as_of)
    latest = pd.Timestamp(treatments["date"].max())
    if len(complications):
        latest = max(latest, pd.Timestamp(complications["onset_date"].max()))
    return latest


def scan(
    treatments: pd.DataFrame, complications: pd.DataFrame, design: CusumDesign | None = None
) -> pd.DataFrame:
    """CUSUM series for clinics, practitioners and batches; batch rows carry ``multi_dose_vial``.

    Sessions after ``as_of`` and onsets after it are left out (not yet observed).
    """
    design = design or CusumDesign()
    as_of = _observed_until(treatments, complications, design)
    treatments = treatments[treatments["date"] <= as_of]
    if treatments.empty:
        raise AnalysisInputError(f"no treatments on or before as_of (--as-of) {as_of.date()}")
    infections = infections_by_unit(treatments, complications)
    infections = infections[infections["onset_date"] <= as_of]
    session_dates = treatments.drop_duplicates("treatment_id")["date"]
    first_infections = infections.drop_duplicates("treatment_id")
    pmf = (
        np.asarray(design.onset_delays, dtype=np.float64) / float(np.sum(design.onset_delays))
        if design.onset_delays is not None
        else onset_delay_distribution(session_dates, first_infections, as_of)
    )
    p0 = (
        design.baseline_rate
        if design.baseline_rate is not None
        else baseline_rate(session_dates, len(first_infections), pmf, as_of)
    )
    timeline = Timeline(treatments["date"].min(), as_of, design.window_days)
    series = pd.concat(
        [scan_units(treatments, infections, u, design, pmf, p0, timeline) for u in CLUSTER_UNITS],
        ignore_index=True,
    )
    vials = treatments.groupby("batch")["multi_dose_vial"].any()
    is_batch = series["unit_type"] == "batch"
    series["multi_dose_vial"] = False
    series.loc[is_batch, "multi_dose_vial"] = (
        series.loc[is_batch, "unit"].map(vials).fillna(False).astype(bool)
    )
    series["baseline_rate"] = p0
    series["as_of"] = as_of
    return series


def alerts(series: pd.DataFrame) -> pd.DataFrame:
    """The alarm rows, multi-dose-vial batches first, then by date."""
    columns = [
        "unit_type",
        "unit",
        "window_start",
        "window_end",
        "treatments",
        "infections",
        "expected",
        "k",
        "h",
        "cusum",
        "multi_dose_vial",
    ]
    found = series.loc[series["alarm"], columns]
    return found.sort_values(
        ["multi_dose_vial", "window_start", "unit_type"], ascending=[False, True, True]
    ).reset_index(drop=True)


@dataclass(frozen=True)
class Detection:
    detected: bool
    delay_days: int | None  # from the outbreak's first session to the end of the first alarmed window
    false_alarms: int  # alarms in the other units of the same type
    unit_years: float  # monitored time of those other units (their windows with μ0 > 0)

    @property
    def false_alarm_rate(self) -> float:
        """False alarms per unit-year of monitoring."""
        return self.false_alarms / self.unit_years if self.unit_years else 0.0


def evaluate_alarms(
    series: pd.DataFrame, unit_type: str, outbreak_unit: str, outbreak_start: pd.Timestamp
) -> Detection:
    """Detection delay for a planted outbreak and the false-alarm rate elsewhere (simulation studies)."""
    rows = series[series["unit_type"] == unit_type]
    hit = rows[(rows["unit"] == outbreak_unit) & rows["alarm"] & (rows["window_end"] >= outbreak_start)]
    delay = int((hit["window_end"].min() - outbreak_start).days) if len(hit) else None
    others = rows[rows["unit"] != outbreak_unit]
    monitored = others[others["expected"] > 0]
    window_days = int((rows["window_end"].iloc[0] - rows["window_start"].iloc[0]).days) + 1
    unit_years = len(monitored) * window_days / 365.25
    return Detection(len(hit) > 0, delay, int(others["alarm"].sum()), unit_years)
