"""The safety report (`mesosafe registry report`, the registry page): rates, funnel plots and cluster
alerts written as files.

Everything is written into a temporary directory beside ``out`` and moved into place only when the
whole report succeeded.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mesosafe.clinic_safety import clusters, funnel, rates
from mesosafe.clinic_safety.tables import TreatmentTables, outcomes, per_unit, sessions
from mesosafe.clinic_safety.units import OUTCOMES, UNIT_TYPES
from mesosafe.lib.analysis_input import AnalysisInputError

STYLE = (
    "body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;font-size:.85rem}td,th{padding:.2rem .5rem;border-bottom:1px solid #ddd}"
    "figure{display:inline-block;margin:.5rem}"
)


@dataclass(frozen=True)
class ReportSummary:
    """Counts of sessions (treatments), as in the rate tables: ``complications`` is the number of
    treatments with any complication, ``infections`` the number with a suspected infection."""

    files: list[str]
    treatments: int
    complications: int
    infections: int
    outliers: int
    alerts: int


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise AnalysisInputError(f"output {str(out)!r} exists and is not a directory")
    if not out.parent.is_dir():
        raise AnalysisInputError(f"output directory's parent {str(out.parent)!r} does not exist")


def _html_table(frame: pd.DataFrame, limit: int = 30) -> str:
    if frame.empty:
        return "<p>None.</p>"
    return frame.head(limit).to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, escape=True)


def _summary_html(
    tables: TreatmentTables,
    classified: dict[str, pd.DataFrame],
    alert_rows: pd.DataFrame,
    design: clusters.CusumDesign,
    p0: float,
    as_of: pd.Timestamp,
) -> str:
    t, c = tables.treatments, tables.complications
    infected = int(c.loc[c["suspected_infection"], "treatment_id"].nunique())
    outliers = pd.concat(
        [f[f["status"].str.startswith("alarm")] for f in classified.values()], ignore_index=True
    )
    shown = outliers[
        ["unit_type", "unit", "outcome", "treatments", "events", "rate", "lower", "upper", "status"]
    ]
    plots = "".join(
        f'<figure><img src="funnel_{name}.svg" alt="funnel plot {html.escape(name)}" width="640">'
        f"<figcaption>{html.escape(name.replace('_', ' '))}</figcaption></figure>"
        for name in classified
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mesosafe registry report</title>
<style>{STYLE}</style></head><body>
<h1>Registry safety report</h1>
<ul>
<li>Treatments (sessions): {sessions(t)}, from {t["date"].min():%Y-%m-%d} to {t["date"].max():%Y-%m-%d},
at {t["clinic"].nunique()} clinics</li>
<li>Treatments with a complication: {c["treatment_id"].nunique()} ({len(c)} complication records)</li>
<li>Treatments with a suspected infection: {infected} ({int(c["suspected_infection"].sum())} records)</li>
</ul>
<p>Every rate below counts treatments (sessions), not records.</p>
<h2>Infection-cluster alerts (Poisson CUSUM)</h2>
<p>Windows of {design.window_days} days, observed to {as_of:%Y-%m-%d}; baseline risk {p0:.4%} suspected
infections per treatment; tuned to a rate ratio of {design.rate_ratio:g}; thresholds for about
{design.target_arl_years:g} years between false alarms per unit.
In each window, <em>treatments</em> are the sessions in it, <em>infections</em> the suspected infections
that began in it (from sessions in it or before it) and <em>expected</em> the onsets expected in it from
the same sessions, spread over the onset delays seen in the registry.
Multi-dose-vial batches are listed first.</p>
{_html_table(alert_rows)}
<h2>Funnel-plot outliers (outside 99.8% limits)</h2>
{_html_table(shown)}
<h2>Funnel plots</h2>{plots}
<p>Files: rates_*.csv (Clopper–Pearson 95% intervals), funnel_*.csv/png/svg, cusum_series.csv,
cusum_alerts.csv.</p>
</body></html>
"""


def _write_all(tables: TreatmentTables, folder: Path, design: clusters.CusumDesign) -> ReportSummary:
    frame, c = outcomes(tables), tables.complications
    classified: dict[str, pd.DataFrame] = {}
    for unit_type in UNIT_TYPES:
        units = per_unit(frame, unit_type)
        parts = [rates.rate_table(units, unit_type, outcome) for outcome in OUTCOMES]
        pd.concat(parts, ignore_index=True).to_csv(folder / f"rates_{unit_type}.csv", index=False)
        for part, outcome in zip(parts, OUTCOMES, strict=True):
            name = f"{unit_type}_{outcome}"
            classified[name] = funnel.classify(part)
            classified[name].to_csv(folder / f"funnel_{name}.csv", index=False)
            funnel.plot_funnel(classified[name], f"{outcome} rate by {unit_type}", folder / f"funnel_{name}")
    series = clusters.scan(tables.treatments, tables.complications, design)
    series.to_csv(folder / "cusum_series.csv", index=False)
    alert_rows = clusters.alerts(series)
    alert_rows.to_csv(folder / "cusum_alerts.csv", index=False)
    p0, as_of = float(series["baseline_rate"].iloc[0]), pd.Timestamp(series["as_of"].iloc[0])
    (folder / "summary.html").write_text(
        _summary_html(tables, classified, alert_rows, design, p0, as_of), encoding="utf-8"
    )
    outliers = sum(int(f["status"].str.startswith("alarm").sum()) for f in classified.values())
    return ReportSummary(
        files=sorted(p.name for p in folder.iterdir()),
        treatments=sessions(tables.treatments),
        complications=int(tables.complications["treatment_id"].nunique()),
        infections=int(c.loc[c["suspected_infection"], "treatment_id"].nunique()),
        outliers=outliers,
        alerts=len(alert_rows),
    )


def write_report(
    tables: TreatmentTables, out: str | os.PathLike[str], design: clusters.CusumDesign | None = None
) -> ReportSummary:
    """Write the report into ``out`` (created if needed); on any error nothing reaches ``out``."""
    target = Path(out)
    _check_out_dir(target)
    design = design or clusters.CusumDesign()
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        summary = _write_all(tables, staging, design)
        target.mkdir(exist_ok=True)
        for name in summary.files:
            os.replace(staging / name, target / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary
