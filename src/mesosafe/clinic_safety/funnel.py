"""Funnel plots (Spiegelhalter 2005): each unit's rate against its volume, with control limits.

The target is the pooled rate p0. Limits at volume n are exact binomial quantiles with Spiegelhalter's
interpolation (Stat Med 2005;24:1185, appendix), so they are smooth in n: for a tail probability q,
r = Binom⁻¹(q; n, p0), a = (F(r) − q) / (F(r) − F(r − 1)), limit = (r − a) / n.
Two-sided 95% (q = 0.025, 0.975) and 99.8% (q = 0.001, 0.999) limits are drawn; units outside the
99.8% limits are outliers ("alarm"), outside the 95% only "alert".
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

FloatArray = npt.NDArray[np.float64]
LEVELS = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}


def binomial_limit(n: npt.ArrayLike, p0: float, q: float) -> FloatArray:
    volume = np.asarray(n, dtype=np.float64)
    r = stats.binom.ppf(q, volume, p0)
    f_r = stats.binom.cdf(r, volume, p0)
    f_below = stats.binom.cdf(r - 1, volume, p0)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(f_r > f_below, (f_r - q) / (f_r - f_below), 0.0)
    return np.asarray(np.clip((r - a) / volume, 0.0, 1.0), dtype=np.float64)


def classify(rates: pd.DataFrame) -> pd.DataFrame:
    """Add the pooled target and, per unit, the 95%/99.8% limits and a ``status``."""
    p0 = float(rates["events"].sum() / rates["treatments"].sum())
    out = rates.copy()
    out["target"] = p0
    for name, (low, high) in LEVELS.items():
        out[f"lower_{name}"] = binomial_limit(out["treatments"], p0, low)
        out[f"upper_{name}"] = binomial_limit(out["treatments"], p0, high)
    status = np.full(len(out), "in control", dtype=object)
    outside95 = (out["rate"] > out["upper_95%"]) | (out["rate"] < out["lower_95%"])
    high998 = out["rate"] > out["upper_99.8%"]
    low998 = out["rate"] < out["lower_99.8%"]
    status[outside95.to_numpy()] = "alert"
    status[high998.to_numpy()] = "alarm: high"
    status[low998.to_numpy()] = "alarm: low"
    out["status"] = status
    return out


def plot_funnel(classified: pd.DataFrame, title: str, path_stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg``; outliers (outside 99.8%) are labelled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p0 = float(classified["target"].iloc[0])
    top = max(int(classified["treatments"].max()), 10)
    first = max(1, int(classified["treatments"].min() * 0.8))
    grid = np.unique(np.geomspace(first, top * 1.1, 300).astype(np.int64))
    fig, ax = plt.subplots(figsize=(8, 5.5))
    styles = {"95%": ("#e69f00", "--"), "99.8%": ("#d55e00", "-")}
    for name, (low, high) in LEVELS.items():
        colour, line = styles[name]
        ax.plot(grid, binomial_limit(grid, p0, high), line, color=colour, label=f"{name} limits")
        ax.plot(grid, binomial_limit(grid, p0, low), line, color=colour)
    ax.axhline(p0, color="#555555", lw=1, label=f"pooled rate {p0:.3%}")
    outlier = classified["status"].str.startswith("alarm")
    ax.scatter(classified["treatments"], classified["rate"], s=18, color="#0072b2", alpha=0.8, label="units")
    ax.scatter(classified.loc[outlier, "treatments"], classified.loc[outlier, "rate"], s=40, color="#cc0000")
    for _, row in classified[outlier].iterrows():
        ax.annotate(
            str(row["unit"]),
            (row["treatments"], row["rate"]),
            textcoords="offset points",
            xytext=(5, 4),
            fontsize=8,
            color="#cc0000",
        )
    ax.set_xlabel("treatments (volume)")
    ax.set_ylabel("rate")
    ax.set_title(title)
    ceiling = max(float(classified["rate"].max()), float(binomial_limit(grid[:1], p0, 0.999)[0]))
    ax.set_ylim(0, min(1.0, ceiling * 1.15 + 1e-9))
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    written = []
    for suffix in (".png", ".svg"):
        target = Path(f"{path_stem}{suffix}")
        fig.savefig(target, dpi=120)
        written.append(target)
    plt.close(fig)
    return written
