"""Funnel plots (Spiegelhalter 2005): each unit's rate against its volume, its test, and its classification.

The target is the pooled rate p0 of the funnel's units. Each unit with y events in n treatments is tested
against Binomial(n, p0):

* ``exact`` (default): the exact tail probabilities P(X ≥ y) (high) and P(X ≤ y) (low);
* ``mid-p``: P(X > y) + ½·P(X = y) and P(X < y) + ½·P(X = y) (less conservative; Lancaster 1961).

The two-sided p-value is twice the smaller tail (at most 1), and the false discovery rate across the
funnel's units is controlled by Benjamini & Hochberg (1995): ``q_value`` is each unit's BH-adjusted p-value
(``scipy.stats.false_discovery_control``). A unit is

* ``alarm: high`` / ``alarm: low`` when p < 0.002 (outside the two-sided 99.8% limits) *and* q < the FDR
  level (default 0.05): unlikely by chance even after testing every unit;
* ``alert: high`` / ``alert: low`` when p < 0.05 (outside the 95% limits) but not an alarm;
* ``in control`` otherwise.

So a batch with one session and one complication (P(X ≥ 1) = p0, about 4%) is in control.

Overdispersion (Spiegelhalter 2005, §5; "Handling over-dispersion of performance indicators", Qual Saf
Health Care 2005;14:347). Units often differ more than binomial variation allows. With z_i = (y_i/n_i − p0)
/ s_i, s_i² = p0(1 − p0)/n_i, Winsorised at their 10% and 90% points, φ̂ = Σ z_i² / I:

* ``multiplicative``: the variance is φ·s_i² with φ = max(1, φ̂);
* ``additive`` (random effects): the variance is s_i² + τ², with τ² = max(0, (Iφ̂ − (I − 1)) /
  (Σ w_i − Σ w_i² / Σ w_i)), w_i = 1/s_i².

The overdispersed test is the normal approximation z = (y/n − p0)/√(variance), but a unit is never more
significant than under the binomial test of the same design (exact or mid-p): each tail is the larger of
the normal one and the binomial one (``test`` = "max(exact, normal)"), so the p-value is at least the
binomial p-value. The normal approximation alone is not valid for rare outcomes in small units (n·p0 ≪ 5):
it made one infection in 11 sessions at p0 = 0.27% an alarm (p ≈ 1e-8, exact 0.06). When the estimate
shows no overdispersion (φ = 1, τ² = 0) none is applied: the units get the binomial test alone, and the
result is the one without the option. The CSV and the report say which method was used, with φ̂ and φ or τ².

Overdispersion cannot be estimated when no treatment (or every one) had the outcome, or from fewer than
``MIN_DISPERSION_UNITS`` (10) units — a single unit shows no variation, and from 2–9 units φ̂ is noise:
then none is assumed (φ = 1, τ² = 0), the units get the binomial test, and ``Dispersion.note`` says why —
in the CSV's ``dispersion`` column, the plot's title and the report. A funnel of a single unit (a clinic's
own database has one clinic) is noted whatever the method: its pooled rate is its own rate, so it is "in
control" by construction.

The limits are the ones the classification uses: a unit is outside a limit exactly when its rate is
strictly beyond it, so a point above the 95% limit is never in control and one inside is never flagged.
Without overdispersion they are the test's binomial limits (``binomial_limit``: between the last count
inside and the first outside, interpolated as in Spiegelhalter's appendix); with it, the outer of the
binomial and the normal limit (a unit is beyond it exactly when both its tails are small). An alarm also
needs q < the FDR level: a unit beyond the 99.8% limits with a larger q is an alert.
"""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from mesosafe.clinic_safety.formats import P_FLOOR
from mesosafe.lib.analysis_input import AnalysisInputError

FloatArray = npt.NDArray[np.float64]
LEVELS = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}
ALERT_P, ALARM_P = 0.05, 0.002  # two-sided: outside the 95% and the 99.8% limits
WINSOR = 0.1
# Spiegelhalter (2005) Winsorises the z-scores at their 10% and 90% points: only from 1/WINSOR = 10 units
# on does that set aside at least one whole unit at each end. From fewer, φ̂ (a mean of I squared z-scores,
# with a relative standard error of √(2/I) when there is no overdispersion at all: 0.8 at 3 units) is noise
# that would widen the limits, so it is not estimated
MIN_DISPERSION_UNITS = round(1 / WINSOR)
Test = Literal["exact", "mid-p"]
Overdispersion = Literal["none", "multiplicative", "additive"]
TESTS: tuple[Test, ...] = ("exact", "mid-p")
OVERDISPERSION: tuple[Overdispersion, ...] = ("none", "multiplicative", "additive")


@dataclass(frozen=True)
class FunnelDesign:
    """How units are tested; each setting is checked (AnalysisInputError names its option)."""

    test: Test = "exact"
    fdr: float = 0.05
    overdispersion: Overdispersion = "none"

    def __post_init__(self) -> None:
        if self.test not in TESTS:
            raise AnalysisInputError(f"test (--funnel-test) must be one of {', '.join(TESTS)}")
        if not (isinstance(self.fdr, int | float) and 0 < self.fdr < 1):
            raise AnalysisInputError("fdr (--fdr) must be a number between 0 and 1")
        if self.overdispersion not in OVERDISPERSION:
            raise AnalysisInputError(
                f"overdispersion (--overdispersion) must be one of {', '.join(OVERDISPERSION)}"
            )


def _test_cdf(y: FloatArray, n: FloatArray, p0: float, test: Test, upper: bool) -> FloatArray:
    """The increasing function C(y) the test compares with q: a unit is above the upper limit exactly when
    C(y) > q (exact: F(y − 1), i.e. P(X ≥ y) < 1 − q) and below the lower one when C(y) < q (exact: F(y));
    mid-p: F(y − 1) + ½·P(X = y) on both sides."""
    below, at = stats.binom.cdf(y - 1, n, p0), stats.binom.cdf(y, n, p0)
    if test == "mid-p":
        return probabilities((below + at) / 2)
    return probabilities(below if upper else at)


def probabilities(values: npt.ArrayLike) -> FloatArray:
    """Probabilities summed in floating point (sf + pmf) can exceed 1 by a few ulps: 1.0000000000000007 in a
    regulatory file reads as an error, so every one is clamped to [0, 1]."""
    return np.asarray(np.clip(values, 0.0, 1.0), dtype=np.float64)


def binomial_limit(n: npt.ArrayLike, p0: float, q: float, test: Test = "exact") -> FloatArray:
    """The limit at tail probability q that the test's classification uses: a unit is outside it exactly
    when its rate is strictly beyond it. Between the last count inside and the first outside, the limit is
    interpolated on C (Spiegelhalter 2005, appendix), so the curve is smooth. A target of 0 or 1 is its own
    limit (nothing else can happen under it)."""
    volume = np.asarray(n, dtype=np.float64)
    if p0 in (0.0, 1.0):
        return np.full(volume.shape, p0)
    upper = q > 0.5
    r = np.asarray(stats.binom.ppf(q, volume, p0), dtype=np.float64)  # the smallest r with F(r) ≥ q

    def c(y: FloatArray) -> FloatArray:
        return _test_cdf(y, volume, p0, test, upper)

    if upper:  # the first count outside: the smallest y with C(y) > q (r, r + 1 or r + 2)
        first = r + 2 - (c(r) > q) - (c(r + 1) > q)
        inside = first - 1
    else:  # the last count outside: the largest y with C(y) < q (r − 1 or r)
        inside = r - 1 + (c(r) < q)
        first = inside + 1
    low, high = c(inside), c(first)
    return np.asarray(np.clip((inside + (q - low) / (high - low)) / volume, 0.0, 1.0), dtype=np.float64)


def binomial_tails(
    events: npt.ArrayLike, n: npt.ArrayLike, p0: float, test: Test
) -> tuple[FloatArray, FloatArray]:
    """(high, low) one-sided tail probabilities of y events in n under Binomial(n, p0): P(X ≥ y) and
    P(X ≤ y), or with ``mid-p`` only half of P(X = y) in each."""
    y, volume = np.asarray(events, dtype=np.float64), np.asarray(n, dtype=np.float64)
    at = stats.binom.pmf(y, volume, p0) * (0.5 if test == "mid-p" else 1.0)
    high = stats.binom.sf(y, volume, p0) + at
    low = stats.binom.cdf(y - 1, volume, p0) + at
    return probabilities(high), probabilities(low)


@dataclass(frozen=True)
class Dispersion:
    """The overdispersion estimated from the funnel's units (φ̂, and the φ or τ² used)."""

    method: Overdispersion
    phi_hat: float
    phi: float = 1.0
    tau2: float = 0.0
    note: str = ""  # why the overdispersion asked for was not estimated (none is assumed then)

    @property
    def applied(self) -> bool:
        """Whether the units are judged with more than binomial variation (φ > 1 or τ² > 0)."""
        return self.phi > 1 or self.tau2 > 0

    def variance(self, p0: float, n: npt.ArrayLike) -> FloatArray:
        s2 = p0 * (1 - p0) / np.asarray(n, dtype=np.float64)
        return np.asarray(self.phi * s2 + self.tau2, dtype=np.float64)

    def describe(self) -> str:
        none_found = "" if self.applied else ": none found, binomial test"
        if self.method == "multiplicative":
            return f"multiplicative overdispersion: φ = {self.phi:.4g} (φ̂ = {self.phi_hat:.4g}){none_found}"
        if self.method == "additive":
            return f"additive overdispersion: τ² = {self.tau2:.4g} (φ̂ = {self.phi_hat:.4g}){none_found}"
        if self.note:
            return f"binomial (no overdispersion): {self.note}"
        return "binomial (no overdispersion)"


# The pooled rate of a funnel of one unit is that unit's own rate: its test compares it with itself.
SINGLE_UNIT = (
    "a single unit, compared with the pooled rate, which is its own rate: 'in control' says nothing about it "
    "(compare it with another registry's or a published rate)"
)


def _not_estimable(units: int, p0: float) -> str:
    """Why no overdispersion can be estimated from these units ('' when it can)."""
    if p0 == 0:
        return "no treatment had the outcome"
    if p0 == 1:
        return "every treatment had the outcome"
    if units < 2:
        return "a single unit"
    if units < MIN_DISPERSION_UNITS:
        return f"only {units} units: at least {MIN_DISPERSION_UNITS} are needed"
    return ""


def estimate_dispersion(events: FloatArray, n: FloatArray, p0: float, method: Overdispersion) -> Dispersion:
    """φ̂ from Winsorised z-scores and the φ or τ² of ``method`` (Spiegelhalter 2005); none (binomial, with a
    note saying why) when the units cannot show any."""
    why = _not_estimable(len(n), p0)
    if why:
        notes = (
            [f"{method} overdispersion could not be estimated ({why}); none assumed"]
            if method != "none"
            else []
        )
        if len(n) < 2:
            notes.append(SINGLE_UNIT)
        return Dispersion("none", 1.0, note="; ".join(notes))
    s2 = p0 * (1 - p0) / n
    z = (events / n - p0) / np.sqrt(s2)
    low, high = np.quantile(z, [WINSOR, 1 - WINSOR])
    units = len(z)
    phi_hat = float(np.sum(np.clip(z, low, high) ** 2) / units)
    if method == "multiplicative":
        return Dispersion(method, phi_hat, phi=max(1.0, phi_hat))
    if method == "additive":
        w = 1 / s2
        tau2 = max(0.0, (units * phi_hat - (units - 1)) / float(w.sum() - (w**2).sum() / w.sum()))
        return Dispersion(method, phi_hat, tau2=tau2)
    return Dispersion(method, phi_hat)


def _tails(
    out: pd.DataFrame, p0: float, design: FunnelDesign, dispersion: Dispersion
) -> tuple[FloatArray, FloatArray]:
    """(high, low) tails: the binomial ones, or with overdispersion the larger of them and the normal ones
    (the normal approximation alone is far too significant for rare outcomes in small units)."""
    high, low = binomial_tails(out["events"], out["treatments"], p0, design.test)
    if not dispersion.applied:
        return high, low
    z = (out["rate"].to_numpy() - p0) / np.sqrt(dispersion.variance(p0, out["treatments"]))
    return np.maximum(high, probabilities(stats.norm.sf(z))), np.maximum(
        low, probabilities(stats.norm.cdf(z))
    )


def limits(n: npt.ArrayLike, p0: float, q: float, dispersion: Dispersion, test: Test = "exact") -> FloatArray:
    """The limit at tail probability q, the one the classification uses: the test's binomial limit, or with
    overdispersion the outer of it and the normal limit (a rate is beyond it exactly when both tails the
    classification takes the larger of are small)."""
    binomial = binomial_limit(n, p0, q, test)
    if not dispersion.applied:
        return binomial
    normal = np.clip(p0 + stats.norm.ppf(q) * np.sqrt(dispersion.variance(p0, n)), 0.0, 1.0)
    outer = np.maximum(binomial, normal) if q > 0.5 else np.minimum(binomial, normal)
    return np.asarray(outer, dtype=np.float64)


def classify(rates: pd.DataFrame, design: FunnelDesign | None = None) -> pd.DataFrame:
    """Add the pooled target, the limits, each unit's tails, p- and q-value, and its ``status``."""
    design = design or FunnelDesign()
    p0 = float(rates["events"].sum() / rates["treatments"].sum())
    out = rates.copy()
    volume, events = out["treatments"].to_numpy(np.float64), out["events"].to_numpy(np.float64)
    dispersion = estimate_dispersion(events, volume, p0, design.overdispersion)
    out["target"] = p0
    for name, (low, high) in LEVELS.items():
        out[f"lower_{name}"] = limits(volume, p0, low, dispersion, design.test)
        out[f"upper_{name}"] = limits(volume, p0, high, dispersion, design.test)
    high_tail, low_tail = _tails(out, p0, design, dispersion)
    p_value = np.minimum(1.0, 2 * np.minimum(high_tail, low_tail))
    out.attrs["underflow"] = int((p_value < P_FLOOR).sum())
    high_tail, low_tail, p_value = (np.maximum(p, P_FLOOR) for p in (high_tail, low_tail, p_value))
    out["p_high"], out["p_low"], out["p_value"] = high_tail, low_tail, p_value
    out["q_value"] = stats.false_discovery_control(p_value, method="bh")
    side = np.where(high_tail <= low_tail, "high", "low")
    alarm = (p_value < ALARM_P) & (out["q_value"].to_numpy() < design.fdr)
    status = np.full(len(out), "in control", dtype=object)
    status[p_value < ALERT_P] = [f"alert: {s}" for s in side[p_value < ALERT_P]]
    status[alarm] = [f"alarm: {s}" for s in side[alarm]]
    out["status"] = status
    out["number"] = _numbers(out)
    out["test"] = f"max({design.test}, normal)" if dispersion.applied else design.test
    out["dispersion"] = dispersion.describe()
    out.attrs["dispersion"] = dispersion  # for the plot's limits
    out.attrs["test"], out.attrs["fdr"] = design.test, design.fdr
    return out


def underflow_note(classified: pd.DataFrame) -> str:
    """Say so when p-values underflowed ('' when none did)."""
    count = int(classified.attrs.get("underflow", 0))
    if not count:
        return ""
    return (
        f"{count} p-value(s) below {P_FLOOR:.2g}, the smallest normal double, are written as {P_FLOOR:.2g} "
        "(read: at most that)"
    )


def curve(classified: pd.DataFrame, grid: npt.ArrayLike, q: float) -> FloatArray:
    """A limit of the classified funnel over the volumes ``grid``, as its classification uses it."""
    dispersion = classified.attrs.get("dispersion", Dispersion("none", 1.0))
    test = classified.attrs.get("test", "exact")
    return limits(grid, float(classified["target"].iloc[0]), q, dispersion, test)


def plot_grid(classified: pd.DataFrame) -> npt.NDArray[np.int64]:
    """The volumes the limits are drawn at: a smooth spread, and every unit's own, so that the line passes
    exactly through each unit's limit (a discrete test's limit is not a straight line between volumes)."""
    top = max(int(classified["treatments"].max()), 10)
    first = max(1, int(classified["treatments"].min() * 0.8))
    spread = np.geomspace(first, top * 1.1, 300).astype(np.int64)
    return np.unique(np.r_[spread, classified["treatments"].to_numpy(np.int64)])


def _numbers(out: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Each unit's number on the plot and in the tables: 1 is the most significant (lowest p-value, then the
    higher rate)."""
    order = out.assign(_name=out["unit"].astype(str)).sort_values(
        ["p_value", "rate", "_name"], ascending=[True, False, True], kind="stable"
    )
    numbers = np.empty(len(out), dtype=np.int64)
    numbers[out.index.get_indexer(order.index)] = np.arange(1, len(out) + 1)
    return numbers


MAX_LABELS = 8  # numbered on the plot: the most significant units outside the 95% limits


def labelled(classified: pd.DataFrame) -> pd.DataFrame:
    """The units whose number is drawn on the plot, most significant first."""
    flagged = classified[classified["status"] != "in control"]
    return flagged.sort_values("number").head(MAX_LABELS)


# What is shown of each unit on a funnel plot, in this order: the registry page's table and the report's.
UNIT_COLUMNS = (
    "number",
    "unit",
    "treatments",
    "events",
    "rate",
    "lower",
    "upper",
    "p_value",
    "q_value",
    "status",
)


def page_data(classified: pd.DataFrame, grid: npt.NDArray[np.int64]) -> dict[str, object]:
    """What the registry page draws and lists (it reads this JSON instead of loading pandas)."""
    dispersion = classified.attrs.get("dispersion", Dispersion("none", 1.0))
    p0 = float(classified["target"].iloc[0])
    units = classified.sort_values("number")
    notes = [n for n in (dispersion.note, underflow_note(classified)) if n]
    rows = [
        {key: (value.item() if hasattr(value, "item") else value) for key, value in row.items()}
        for row in units[list(UNIT_COLUMNS)].to_dict("records")
    ]
    for row in rows:
        row["unit"] = str(row["unit"])
    curves = {
        f"{side}_{name}": [float(v) for v in curve(classified, grid, q)]
        for name, (low, high) in LEVELS.items()
        for side, q in (("lower", low), ("upper", high))
    }
    return {
        "unit_type": str(classified["unit_type"].iloc[0]),
        "outcome": str(classified["outcome"].iloc[0]),
        "target": p0,
        "method": dispersion.method,
        "phi": dispersion.phi,
        "tau2": dispersion.tau2,
        "note": "; ".join(notes),
        "test": str(classified["test"].iloc[0]),
        "fdr": float(classified.attrs.get("fdr", 0.05)),
        "labelled": [int(n) for n in labelled(classified)["number"]],
        "units": rows,
        "limits": {"treatments": [int(n) for n in grid], **curves},
    }


def plot_funnel(classified: pd.DataFrame, title: str, path_stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` (alarms red, alerts orange, the most significant of them
    numbered as in the tables) and ``<stem>.json``, the data the registry page draws its own plot from."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    p0 = float(classified["target"].iloc[0])
    top = max(int(classified["treatments"].max()), 10)
    grid = plot_grid(classified)
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=120)  # the labels are placed in these pixels
    styles = {"95%": ("#e69f00", "--"), "99.8%": ("#d55e00", "-")}
    for name, (low, high) in LEVELS.items():
        colour, line = styles[name]
        ax.plot(grid, curve(classified, grid, high), line, color=colour, label=f"{name} limits")
        ax.plot(grid, curve(classified, grid, low), line, color=colour)
    ax.axhline(p0, color="#555555", lw=1, label=f"pooled rate {_percent(p0)}")
    alarm = classified["status"].str.startswith("alarm")
    alert = classified["status"].str.startswith("alert")
    ax.scatter(classified["treatments"], classified["rate"], s=18, color="#0072b2", alpha=0.8, label="units")
    ax.scatter(classified.loc[alert, "treatments"], classified.loc[alert, "rate"], s=24, color="#e69f00",
               label="alert: outside the 95% limits")  # fmt: skip
    fdr = classified.attrs.get("fdr", 0.05)
    ax.scatter(classified.loc[alarm, "treatments"], classified.loc[alarm, "rate"], s=40, color="#cc0000",
               label=f"alarm: outside the 99.8% limits, q < {fdr:g}")  # fmt: skip
    ax.set_xlabel("treatments (sessions)")
    ax.set_ylabel("rate (% of treatments)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # a count: no "9.5 treatments"
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.set_title(f"{title}\n{textwrap.fill(str(classified['dispersion'].iloc[0]), 110)}", fontsize=10)
    ceiling = max(float(classified["rate"].max()), float(curve(classified, grid[:1], 0.999)[0]))
    ax.set_ylim(0, min(1.0, ceiling * 1.15 + 1e-9))
    ax.set_xlim(0, top * 1.12)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    _number_points(fig, ax, labelled(classified), classified)
    written = []
    for suffix in (".png", ".svg"):
        target = Path(f"{path_stem}{suffix}")
        fig.savefig(target, dpi=120)
        written.append(target)
    plt.close(fig)
    target = Path(f"{path_stem}.json")
    target.write_text(json.dumps(page_data(classified, grid), ensure_ascii=False), encoding="utf-8")
    written.append(target)
    return written


def _percent(rate: float) -> str:
    """A rate as a percentage to three significant figures at most: 16.7%, 2.35%, 0.412%."""
    value = rate * 100
    decimals = 0 if value >= 100 or value == 0 else max(0, 2 - int(np.floor(np.log10(value))))
    return f"{value:.{min(decimals, 3)}f}%"


def _number_points(fig: object, ax: object, rows: pd.DataFrame, every: pd.DataFrame) -> None:
    """Draw each row's number beside its point where it covers no other label (leader lines further out)."""
    from mesosafe.clinic_safety.labels import place

    transform = ax.transData  # type: ignore[attr-defined]
    height = fig.bbox.height  # type: ignore[attr-defined]
    bbox = ax.bbox  # type: ignore[attr-defined]
    # display coordinates grow upwards; the placement's pixels grow downwards
    points = [
        (float(x), height - float(y))
        for x, y in transform.transform(rows[["treatments", "rate"]].to_numpy(float))
    ]
    sizes = [(8.0 * len(str(n)) + 4, 14.0) for n in rows["number"]]
    bounds = (bbox.x0, height - bbox.y1, bbox.x1, height - bbox.y0)
    everything = transform.transform(every[["treatments", "rate"]].to_numpy(float))
    others = [(float(x), height - float(y)) for x, y in everything]
    spots = place(points, sizes, bounds, others)
    for (x, y), number, spot in zip(points, rows["number"], spots, strict=True):
        if spot is None:
            continue
        left, top, right, bottom = spot.box
        centre = ((left + right) / 2, (top + bottom) / 2)
        ax.annotate(  # type: ignore[attr-defined]
            str(number),
            xy=(x, height - y),
            xycoords="figure pixels",
            xytext=(centre[0], height - centre[1]),
            textcoords="figure pixels",
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            color="#222222",
            arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.8} if spot.leader else None,
        )
