"""Infection-cluster alerts: a Poisson CUSUM (``cusum``) per clinic, practitioner and batch over windows.

Time is cut into consecutive windows of ``window_days`` (the first begins ``window_offset_days`` before the
first session). For unit u and window t, x_t is the number of suspected infections (one per infected
session) with *onset* in the window — an infection becomes known at onset, days to weeks after the
session — and μ0_t the number of onsets expected in the window from *the same sessions*: every session of
the unit before the window's end contributes p0 · f(d) on the day d days after it (``baseline``), where f
is the onset-delay distribution and p0 the baseline risk, both estimated from what was known before the
window. So a batch that is no longer used still expects the late infections of its last sessions, the
most recent window expects only the onsets that could have happened by ``as_of`` (the last day observed),
and an outbreak is not part of the baseline it is tested against. Windows in the first ``warm_up_days``
are not tested when the baseline is estimated.

Each alarm lists its cases (``alert_cases``): the infected sessions whose onsets raised S from 0 to the
alarm — treatment id, session and onset dates, clinic, practitioner, product and lot; no patient's name or
contact.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from mesosafe.clinic_safety.baseline import NO_BASELINE, NONE_SEEN_YET, Baseline, window_baseline
from mesosafe.clinic_safety.cusum import CusumDesign, as_of_day, choose_threshold, cusum, reference_value
from mesosafe.clinic_safety.tables import TreatmentTables, per_unit
from mesosafe.lib.analysis_input import AnalysisInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CLUSTER_UNITS = ("clinic", "practitioner", "batch")
CASE_COLUMNS = [
    "treatment_id",
    "date",
    "onset_date",
    "clinic",
    "practitioner",
    "product",
    "batch",
    "multi_dose_vial",
]


def today_or_latest(tables: TreatmentTables, today: date) -> str:
    """The last day observed for a live database: today, or a later date in it (clinics east of UTC)."""
    latest = [tables.treatments["date"].max(), pd.Timestamp(today)]
    if len(tables.complications):
        latest.append(tables.complications["onset_date"].max())
    return str(max(latest).date().isoformat())


@dataclass(frozen=True)
class Timeline:
    """The common time axis: day 0 begins the first window; windows of ``window_days`` from there."""

    origin: pd.Timestamp
    as_of: pd.Timestamp
    window_days: int

    @property
    def days(self) -> int:
        return int((self.as_of - self.origin).days) + 1

    @property
    def windows(self) -> int:
        return (self.days - 1) // self.window_days + 1

    def day(self, dates: pd.Series) -> IntArray:
        days: IntArray = np.asarray((dates - self.origin).dt.days, dtype=np.int64)
        return days

    def start(self, window: int) -> pd.Timestamp:
        return self.origin + pd.Timedelta(days=window * self.window_days)


def baselines(
    sessions: pd.Series, infections: pd.DataFrame, timeline: Timeline, design: CusumDesign
) -> list[Baseline]:
    """p0 and f of every window, each from what was known before it (or as ``design`` fixes them)."""
    pmf = None
    if design.onset_delays is not None:
        pmf = np.asarray(design.onset_delays, dtype=np.float64) / float(np.sum(design.onset_delays))
    frame = pd.DataFrame({"date": sessions})
    return [
        window_baseline(frame, infections, timeline.start(t), design.baseline_rate, pmf)
        for t in range(timeline.windows)
    ]


def unit_windows(
    sessions: pd.DataFrame,
    infections: pd.DataFrame,
    unit_type: str,
    plan: list[Baseline],
    timeline: Timeline,
) -> pd.DataFrame:
    """Per unit and window (from the window of its first session): sessions, infections (by onset) and
    onsets expected from the same sessions."""
    units, codes = np.unique(sessions[unit_type].astype(str).to_numpy(), return_inverse=True)
    session_days = timeline.day(sessions["date"])
    onset_codes = np.searchsorted(units, infections[unit_type].astype(str).to_numpy())
    onset_windows = timeline.day(infections["onset_date"]) // timeline.window_days
    session_windows = session_days // timeline.window_days
    shape = (timeline.windows, len(units))
    expected = np.zeros(shape)
    for t, baseline in enumerate(plan):
        first = t * timeline.window_days
        last = min(first + timeline.window_days, timeline.days) - 1
        expected[t] = np.bincount(
            codes, weights=baseline.expected(session_days, first, last), minlength=len(units)
        )
    treated = np.zeros(shape, dtype=np.int64)
    np.add.at(treated, (session_windows, codes), 1)
    infected = np.zeros(shape, dtype=np.int64)
    np.add.at(infected, (onset_windows, onset_codes), 1)
    first_window = np.full(len(units), timeline.windows, dtype=np.int64)
    np.minimum.at(first_window, codes, session_windows)
    window, unit = np.nonzero(np.arange(timeline.windows)[:, None] >= first_window[None, :])
    order = np.lexsort((window, unit))
    window, unit = window[order], unit[order]
    frame = pd.DataFrame(
        {
            "unit_type": unit_type,
            "unit": units[unit],
            "window": window,
            "treatments": treated[window, unit],
            "infections": infected[window, unit],
            "expected": expected[window, unit],
            "baseline_rate": np.array([b.rate for b in plan])[window],
            "baseline": np.array([b.kind for b in plan])[window],
        }
    )
    frame["window_start"] = timeline.origin + pd.to_timedelta(
        frame["window"] * timeline.window_days, unit="D"
    )
    frame["window_end"] = frame["window_start"] + pd.Timedelta(days=timeline.window_days - 1)
    frame["partial"] = frame["window_end"] > timeline.as_of  # the last window is observed only to as_of
    return frame


def _threshold(mean_mu0: float, design: CusumDesign, chosen: dict[float, float]) -> float:
    if design.threshold is not None:
        return design.threshold
    key = float(np.round(np.log(max(mean_mu0, 1e-9)), 1))  # reuse h for units of similar volume
    if key not in chosen:
        chosen[key] = choose_threshold(
            max(mean_mu0, 1e-9), design.rate_ratio, design.target_arl_windows, design.seed
        )
    return max(chosen[key], design.min_threshold)


def scan_units(frame: pd.DataFrame, design: CusumDesign) -> pd.DataFrame:
    """Run the CUSUM for every unit (``frame`` sorted by unit, then window); adds ``k``, ``h``, ``cusum``,
    ``alarm`` and ``run_start`` (the start of the window where the rise of S that ended in it began)."""
    units = frame["unit"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, units[1:] != units[:-1], True])
    mu0, tested = frame["expected"].to_numpy(np.float64), frame["tested"].to_numpy(bool)
    uncounted = tested & (mu0 <= 0) & (frame["infections"].to_numpy() > 0)
    # a count against an expectation of exactly 0 cannot be tested (see not_counted_note): S is held there
    x = np.where(uncounted, 0.0, frame["infections"].to_numpy(np.float64))
    h, s, alarm = np.zeros(len(frame)), np.zeros(len(frame)), np.zeros(len(frame), dtype=bool)
    run = np.full(len(frame), -1)
    chosen: dict[float, float] = {}
    for first, end in itertools.pairwise(bounds):
        part = slice(first, end)
        monitored = (mu0[part] > 0) & tested[part]  # a batch is judged on the windows its sessions reach
        mean_mu0 = float(mu0[part][monitored].mean()) if monitored.any() else 0.0
        h[part] = _threshold(mean_mu0, design, chosen)
        path = cusum(x[part], mu0[part], design.rate_ratio, float(h[first]), tested[part])
        s[part], alarm[part] = path.s, path.alarm
        run[part] = np.where(path.run_start >= 0, path.run_start + first, -1)
    starts = frame["window_start"].to_numpy()
    return frame.assign(
        k=reference_value(mu0, design.rate_ratio),
        h=h,
        cusum=s,
        alarm=alarm,
        run_start=np.where(run >= 0, starts[np.maximum(run, 0)], np.datetime64("NaT")),
        not_counted=np.where(uncounted, frame["infections"].to_numpy(), 0),
    )


def infections_by_unit(treatments: pd.DataFrame, complications: pd.DataFrame) -> pd.DataFrame:
    """Suspected infections (one per infected treatment, at its earliest onset) with the treatment's units."""
    suspected = complications[complications["suspected_infection"]]
    first = suspected.groupby("treatment_id", as_index=False)["onset_date"].min()
    merged: pd.DataFrame = first.merge(treatments, on="treatment_id", how="inner")
    return merged


def _observed_until(
    treatments: pd.DataFrame, complications: pd.DataFrame, design: CusumDesign
) -> pd.Timestamp:
    if design.as_of is not None:
        return as_of_day(design.as_of)
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
    first_session = treatments["date"].min()
    timeline = Timeline(
        first_session - pd.Timedelta(days=design.window_offset_days), as_of, design.window_days
    )
    plan = baselines(
        treatments.drop_duplicates("treatment_id")["date"],
        infections.drop_duplicates("treatment_id"),
        timeline,
        design,
    )
    frames = []
    for unit_type in CLUSTER_UNITS:
        frame = unit_windows(
            per_unit(treatments, unit_type), per_unit(infections, unit_type), unit_type, plan, timeline
        )
        warm_up_end = first_session + pd.Timedelta(days=design.warm_up_days if design.estimated else 0)
        frame["tested"] = (frame["window_start"] >= warm_up_end) & (frame["baseline"] != NO_BASELINE)
        frames.append(scan_units(frame, design))
    series = pd.concat(frames, ignore_index=True)
    vials = treatments.groupby("batch")["multi_dose_vial"].any()
    is_batch = series["unit_type"] == "batch"
    series["multi_dose_vial"] = False
    series.loc[is_batch, "multi_dose_vial"] = (
        series.loc[is_batch, "unit"].map(vials).fillna(False).astype(bool)
    )
    series["as_of"] = as_of
    return series


ALERT_COLUMNS = [
    "alert",
    "unit_type",
    "unit",
    "window_start",
    "window_end",
    "run_start",
    "treatments",
    "infections",
    "expected",
    "baseline_rate",
    "baseline",
    "k",
    "h",
    "cusum",
    "multi_dose_vial",
]


def baseline_note(series: pd.DataFrame, design: CusumDesign) -> str:
    """Say which windows after the warm-up had no baseline (not tested) or one from no infection seen yet
    ('' when neither)."""
    first = series["window_start"].min() + pd.Timedelta(days=design.warm_up_days if design.estimated else 0)
    after = series[series["window_start"] >= first]
    untested = "were not tested: no session had been followed before them, so there was no baseline"
    unseen = "were tested against a baseline from no infection seen yet (half of one assumed, onset on day 0)"
    notes = [
        _windows(after[after["baseline"] == NO_BASELINE], untested),
        _windows(after[after["baseline"] == NONE_SEEN_YET], unseen),
    ]
    return "; ".join(note for note in notes if note)


def untested_note(series: pd.DataFrame, design: CusumDesign) -> str:
    """Say plainly that no window was tested, and why ('' when any was): then "0 cluster alerts" is an
    absence of monitoring, not an absence of clusters."""
    if series.empty or series["tested"].any():
        return ""
    warm_up = design.warm_up_days if design.estimated else 0
    first_session = series["window_start"].min() + pd.Timedelta(days=design.window_offset_days)
    in_warm_up = series["window_start"] < first_session + pd.Timedelta(days=warm_up)
    reasons = []
    if in_warm_up.any():
        reasons.append(
            f"within the warm-up of {warm_up} days after the first session ({first_session:%Y-%m-%d}; "
            f"observed to {pd.Timestamp(series['as_of'].iloc[0]):%Y-%m-%d})"
        )
    if (~in_warm_up).any():
        reasons.append("without a baseline (no session had been followed before them)")
    return (
        f"no CUSUM window was tested: all {series['window'].nunique()} windows are {' or '.join(reasons)}, "
        "so the CUSUM gives no information on clusters (no alert does not mean no cluster)"
    )


MAX_NAMED = 5  # units named in a note; the rest are counted


def not_counted_note(series: pd.DataFrame) -> str:
    """Say which infections were not added to the CUSUM because their unit expected no onset in their
    window ('' when none). The expectation is 0 when the onset came later after its session than any delay
    seen before the window (f is empirical), or while no infection had been seen (onset assumed on day 0):
    against 0, any count is 'infinitely' surprising, and two of them alarmed with expected 0.000000."""
    rows = series[series["not_counted"] > 0]
    if rows.empty:
        return ""
    named = [f"{r.unit_type} {r.unit} ({r.window_start:%Y-%m-%d})" for r in rows.head(MAX_NAMED).itertuples()]
    more = f" and {len(rows) - MAX_NAMED} more" if len(rows) > MAX_NAMED else ""
    return (
        f"CUSUM: the suspected infections of {len(rows)} unit-window(s) had onset in a window where their "
        "unit's sessions were expected to give none (expected 0: the onset came later "
        "after its session than any delay seen before, or no infection had been seen yet and onset was "
        "assumed on day 0); a count against an expectation of 0 cannot be tested, so they were not added "
        f"to the CUSUM (column not_counted of cusum_series.csv): {'; '.join(named)}{more}. Look at them "
        "directly"
    )


def _windows(rows: pd.DataFrame, what: str) -> str:
    if rows.empty:
        return ""
    first_day, last_day = rows["window_start"].min(), rows["window_start"].max()
    return f"CUSUM: windows starting {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d} {what}"


def alerts(series: pd.DataFrame) -> pd.DataFrame:
    """The alarm rows, multi-dose-vial batches first, then by date; numbered from 1 (``alert``)."""
    found = series.loc[series["alarm"]].sort_values(
        ["multi_dose_vial", "window_start", "unit_type", "unit"], ascending=[False, True, True, True]
    )
    found = found.reset_index(drop=True).assign(alert=lambda f: np.arange(1, len(f) + 1))
    return found[ALERT_COLUMNS]


def alert_cases(alert_rows: pd.DataFrame, tables: TreatmentTables, as_of: pd.Timestamp) -> pd.DataFrame:
    """The cases of each alert: the infected sessions of its unit with onset from the start of the rise of
    S to the end of the alarmed window (one row per alert and session)."""
    infections = infections_by_unit(tables.treatments, tables.complications)
    infections = infections[infections["onset_date"] <= as_of]
    parts = []
    for _, alert in alert_rows.iterrows():
        unit = per_unit(infections, str(alert["unit_type"]))
        unit = unit[unit[str(alert["unit_type"])].astype(str) == str(alert["unit"])]
        inside = (unit["onset_date"] >= alert["run_start"]) & (unit["onset_date"] <= alert["window_end"])
        rows = unit.loc[inside, CASE_COLUMNS].rename(columns={"date": "session_date"})
        parts.append(rows.assign(alert=alert["alert"], unit_type=alert["unit_type"], unit=alert["unit"]))
    columns = ["alert", "unit_type", "unit", "treatment_id", "session_date", *CASE_COLUMNS[2:]]
    if not parts:
        return pd.DataFrame(columns=columns)
    found: pd.DataFrame = pd.concat(parts, ignore_index=True)[columns]
    return found.sort_values(["alert", "onset_date"], kind="stable").reset_index(drop=True)


def with_cases(alert_rows: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The alerts with the number of their cases and their treatment ids ("12; 15; 19")."""
    ids = cases.groupby("alert")["treatment_id"].agg(lambda t: "; ".join(map(str, t)))
    counts = cases.groupby("alert").size()
    return alert_rows.assign(
        cases=alert_rows["alert"].map(counts).fillna(0).astype(int),
        treatment_ids=alert_rows["alert"].map(ids).fillna(""),
    )


@dataclass(frozen=True)
class Detection:
    detected: bool
    delay_days: int | None  # from the outbreak's first session to the end of the first alarmed window
    false_alarms: int  # alarms in the other units of the same type
    unit_years: float  # monitored time of those other units (their tested windows with μ0 > 0)

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
    monitored = others[(others["expected"] > 0) & others["tested"]]
    window_days = int((rows["window_end"].iloc[0] - rows["window_start"].iloc[0]).days) + 1
    unit_years = len(monitored) * window_days / 365.25
    return Detection(len(hit) > 0, delay, int(others["alarm"].sum()), unit_years)
