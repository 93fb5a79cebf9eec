"""Infection-cluster alerts: a Poisson CUSUM per clinic, practitioner and batch over rolling windows.

Time is cut into consecutive windows of ``window_days``. For unit u and window t, x_t is the number of
suspected infections with onset in the window (an infection becomes known at onset, 1–12 weeks after
the session) and μ0_t = p0 · n_t the number expected from the unit's treatments in that window at the
baseline rate p0 (the pooled rate unless given).

Poisson CUSUM (Lucas 1985), tuned to detect a rise of the rate by a ratio R:

    S_0 = 0,   S_t = max(0, S_{t−1} + x_t − k_t),   k_t = μ0_t · (R − 1) / ln R,

which is the log-likelihood-ratio CUSUM of Poisson(R·μ0_t) against Poisson(μ0_t), divided by ln R.
An alarm is raised when S_t > h, after which S restarts at 0. The decision threshold h is the smallest
value (on a 0.05 grid) whose in-control average run length, simulated (seeded) under Poisson(μ0) with the
unit's mean μ0 over its active windows (those with treatments), reaches ``target_arl_years`` (default
10 years of windows between false alarms per unit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from mesosafe.signals.registry import per_unit, sessions

FloatArray = npt.NDArray[np.float64]
CLUSTER_UNITS = ("clinic", "practitioner", "batch")


@dataclass(frozen=True)
class CusumDesign:
    window_days: int = 28
    rate_ratio: float = 2.0
    target_arl_years: float = 10.0
    threshold: float | None = None  # fixed h; otherwise chosen per unit from its baseline
    baseline_rate: float | None = None  # p0; otherwise the pooled suspected-infection rate
    seed: int = 1985

    @property
    def target_arl_windows(self) -> float:
        return self.target_arl_years * 365.25 / self.window_days


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


def window_index(dates: pd.Series, origin: pd.Timestamp, window_days: int) -> npt.NDArray[np.int64]:
    index: npt.NDArray[np.int64] = np.asarray((dates - origin).dt.days // window_days, dtype=np.int64)
    return index


def unit_windows(
    treatments: pd.DataFrame, infections: pd.DataFrame, unit_type: str, design: CusumDesign, p0: float
) -> pd.DataFrame:
    """Per unit and window: treatments, infections (by onset) and expected infections."""
    origin = treatments["date"].min()
    last = max(treatments["date"].max(), infections["onset_date"].max() if len(infections) else origin)
    n_windows = int((last - origin).days // design.window_days) + 1
    t = pd.DataFrame(
        {
            "unit": treatments[unit_type].to_numpy(),
            "window": window_index(treatments["date"], origin, design.window_days),
        }
    )
    i = pd.DataFrame(
        {
            "unit": infections[unit_type].to_numpy(),
            "window": window_index(infections["onset_date"], origin, design.window_days),
        }
    )
    units = np.sort(t["unit"].unique())
    full = pd.MultiIndex.from_product([units, np.arange(n_windows)], names=["unit", "window"])
    volume = t.groupby(["unit", "window"]).size().reindex(full, fill_value=0)
    cases = i.groupby(["unit", "window"]).size().reindex(full, fill_value=0)
    frame = pd.DataFrame(
        {"treatments": volume.to_numpy(), "infections": cases.to_numpy()}, index=full
    ).reset_index()
    frame["window_start"] = origin + pd.to_timedelta(frame["window"] * design.window_days, unit="D")
    frame["window_end"] = frame["window_start"] + pd.Timedelta(days=design.window_days - 1)
    frame["expected"] = p0 * frame["treatments"]
    frame.insert(0, "unit_type", unit_type)
    return frame


def scan_units(
    treatments: pd.DataFrame, infections: pd.DataFrame, unit_type: str, design: CusumDesign, p0: float
) -> pd.DataFrame:
    """Run the CUSUM for every unit; adds columns ``k``, ``h``, ``cusum``, ``alarm``."""
    frame = unit_windows(
        per_unit(treatments, unit_type), per_unit(infections, unit_type), unit_type, design, p0
    )
    thresholds: dict[float, float] = {}
    parts = []
    for _, series in frame.groupby("unit", sort=True):
        active = series["treatments"] > 0  # batches live a few months: judge them on their active windows
        mean_mu0 = float(series.loc[active, "expected"].mean()) if active.any() else 0.0
        if design.threshold is not None:
            h = design.threshold
        else:
            key = float(np.round(np.log(max(mean_mu0, 1e-9)), 1))  # reuse h for units of similar volume
            if key not in thresholds:
                thresholds[key] = choose_threshold(
                    max(mean_mu0, 1e-9), design.rate_ratio, design.target_arl_windows, design.seed
                )
            h = thresholds[key]
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


def baseline_rate(treatments: pd.DataFrame, infections: pd.DataFrame) -> float:
    return max(sessions(infections) / max(sessions(treatments), 1), 1e-6)


def scan_registry(
    treatments: pd.DataFrame, complications: pd.DataFrame, design: CusumDesign | None = None
) -> pd.DataFrame:
    """CUSUM series for clinics, practitioners and batches; batch rows carry ``multi_dose_vial``."""
    design = design or CusumDesign()
    infections = infections_by_unit(treatments, complications)
    p0 = design.baseline_rate if design.baseline_rate is not None else baseline_rate(treatments, infections)
    series = pd.concat(
        [scan_units(treatments, infections, u, design, p0) for u in CLUSTER_UNITS], ignore_index=True
    )
    vials = treatments.groupby("batch")["multi_dose_vial"].any()
    is_batch = series["unit_type"] == "batch"
    series["multi_dose_vial"] = False
    series.loc[is_batch, "multi_dose_vial"] = (
        series.loc[is_batch, "unit"].map(vials).fillna(False).astype(bool)
    )
    series["baseline_rate"] = p0
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
    unit_years: float  # monitoring time of those other units

    @property
    def false_alarm_rate(self) -> float:
        """False alarms per unit-year."""
        return self.false_alarms / self.unit_years if self.unit_years else 0.0


def evaluate_alarms(
    series: pd.DataFrame, unit_type: str, outbreak_unit: str, outbreak_start: pd.Timestamp
) -> Detection:
    """Detection delay for a planted outbreak and the false-alarm rate elsewhere (simulation studies)."""
    rows = series[series["unit_type"] == unit_type]
    hit = rows[(rows["unit"] == outbreak_unit) & rows["alarm"] & (rows["window_end"] >= outbreak_start)]
    delay = int((hit["window_end"].min() - outbreak_start).days) if len(hit) else None
    others = rows[rows["unit"] != outbreak_unit]
    span_years = (rows["window_end"].max() - rows["window_start"].min()).days / 365.25
    return Detection(len(hit) > 0, delay, int(others["alarm"].sum()), others["unit"].nunique() * span_years)
