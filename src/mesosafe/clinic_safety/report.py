"""The safety report (`mesosafe registry report`, the registry page): rates, funnel plots and cluster
alerts written as files.

Everything is written into a temporary directory beside ``out`` and moved into place only when the
whole report succeeded. ``run.json`` records what the report was made from (``provenance``).
"""

from __future__ import annotations

import html
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mesosafe.clinic_safety import clusters, funnel, provenance, rates
from mesosafe.clinic_safety.cusum import CusumDesign
from mesosafe.clinic_safety.formats import P_FLOOR, probability
from mesosafe.clinic_safety.tables import TreatmentTables, outcomes, per_unit, sessions
from mesosafe.clinic_safety.units import OUTCOMES, UNIT_TYPES
from mesosafe.csvsafe import safe_cell
from mesosafe.lib.analysis_input import AnalysisInputError, unwritable

STYLE = (
    "body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;font-size:.85rem}td,th{padding:.2rem .5rem;border-bottom:1px solid #ddd}"
    "figure{display:inline-block;margin:.5rem}"
)


@dataclass(frozen=True)
class ReportSettings:
    """How the units are tested in the funnels and watched by the CUSUM."""

    cusum: CusumDesign = field(default_factory=CusumDesign)
    funnel: funnel.FunnelDesign = field(default_factory=funnel.FunnelDesign)


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
    notes: list[str] = field(default_factory=list)  # what the analysis could not do as asked, and why
    tested_windows: int = 0  # CUSUM unit-windows tested
    cusum_untested: str = ""  # why no window was tested ('' when any was): then "0 alerts" says nothing


def check_out_dir(out: Path) -> None:
    """Refuse an output directory the report could not be written to (before any work is done)."""
    where = f"output directory (--out) {str(out)!r}"
    if out.exists() and not out.is_dir():
        raise AnalysisInputError(f"{where} exists and is not a directory")
    if not out.parent.is_dir():
        raise AnalysisInputError(f"{where}: its parent {str(out.parent)!r} does not exist")
    for folder in (out.parent, out) if out.is_dir() else (out.parent,):
        if (exc := unwritable(folder, f".{out.name}.")) is not None:
            raise AnalysisInputError(f"{where}: cannot write in {str(folder)!r} ({exc.strerror})")


def _html_table(frame: pd.DataFrame, limit: int = 30) -> str:
    if frame.empty:
        return "<p>None.</p>"
    return frame.head(limit).to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, escape=True)


def _summary_html(
    tables: TreatmentTables,
    classified: dict[str, pd.DataFrame],
    alert_rows: pd.DataFrame,
    cases: pd.DataFrame,
    settings: ReportSettings,
    series: pd.DataFrame,
    record: dict[str, Any],
) -> str:
    t, c = tables.treatments, tables.complications
    as_of = pd.Timestamp(record["as_of"])
    infected = int(c.loc[c["suspected_infection"], "treatment_id"].nunique())
    outliers = pd.concat(
        [f[f["status"].str.startswith("alarm")] for f in classified.values()], ignore_index=True
    )
    shown = outliers[["unit_type", "outcome", *funnel.UNIT_COLUMNS]]
    plots = "".join(_figure(name, frame) for name, frame in classified.items())
    shown = _as_percent(shown, ["rate", "lower", "upper"])
    shown = shown.assign(**{c: shown[c].map(probability) for c in ("p_value", "q_value")})
    alert_rows = _as_percent(alert_rows, ["baseline_rate"])
    design, funnel_design = settings.cusum, settings.funnel
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mesosafe registry report</title>
<style>{STYLE}</style></head><body>
<h1>Registry safety report</h1>
<ul>
<li>Treatments (sessions): {sessions(t)}, from {t["date"].min():%Y-%m-%d} to {t["date"].max():%Y-%m-%d},
at {t["clinic"].nunique()} clinics</li>
<li>Treatments with a complication: {c["treatment_id"].nunique()} ({len(c)} complication records)</li>
<li>Treatments with a suspected infection: {infected} ({int(c["suspected_infection"].sum())} records);
baseline risk {_percent(infected / sessions(t))} of treatments</li>
</ul>
<p>Every rate below counts treatments (sessions), not records.</p>
<h2>Infection-cluster alerts (Poisson CUSUM)</h2>
<p>Windows of {design.window_days} days, observed to {as_of:%Y-%m-%d}; tuned to a rate ratio of
{design.rate_ratio:g}; thresholds for about {design.target_arl_years:g} years between false alarms per unit.
The baseline risk (<em>baseline_rate</em>, suspected infections per treatment) and the onset delays are
estimated for each window from what was known before it; windows in the first {design.warm_up_days} days
after the first session are not tested, nor is any window before which no suspected infection was known
(there is no baseline to test it against).
In each window, <em>treatments</em> are the sessions in it, <em>infections</em> the suspected infections
that began in it (from sessions in it or before it) and <em>expected</em> the onsets expected in it from
the same sessions. <em>Cases</em> are the infected sessions whose onsets raised the CUSUM to the alarm,
from <em>run_start</em>. Multi-dose-vial batches are listed first.</p>
{_cusum_findings(series, design, alert_rows)}
<h3>Cases of the alerts</h3>
<p>Treatment ids, dates, clinic, practitioner and lot only; no patient's name or contact.</p>
{_html_table(cases, limit=200)}
<h2>Funnel-plot outliers</h2>
<p>Each unit is tested against the pooled rate: {html.escape(_test_text(funnel_design))}. The limits
drawn and written are the test's: a unit is outside them exactly when its rate is beyond them. An
<em>alarm</em> is a unit outside the two-sided 99.8% limits (p &lt; 0.002) whose Benjamini–Hochberg
q-value across the funnel's units is below {funnel_design.fdr:g}; an <em>alert</em> (in the CSV files) is
any other unit outside the 95% limits (p &lt; 0.05), including one outside the 99.8% limits whose q-value
is not below {funnel_design.fdr:g}. p-values below {P_FLOOR:.2g} are written as {P_FLOOR:.2g}.</p>
{_html_table(shown)}
{_notes_html(_notes(classified))}
<h2>Funnel plots</h2>{plots}
<p>Files: rates_*.csv (Clopper–Pearson 95% intervals), funnel_*.csv/png/svg (p- and q-values, status),
cusum_series.csv, cusum_alerts.csv, cusum_alert_cases.csv.</p>
{_provenance_html(record)}
</body></html>
"""


def _cusum_notes(series: pd.DataFrame, design: CusumDesign) -> list[str]:
    """Why windows were not tested: none at all (then nothing else matters), or some after the warm-up."""
    untested = clusters.untested_note(series, design)
    if untested:
        return [untested]
    return list(filter(None, [clusters.baseline_note(series, design), clusters.not_counted_note(series)]))


def _cusum_findings(series: pd.DataFrame, design: CusumDesign, alert_rows: pd.DataFrame) -> str:
    """The alerts, or when no window was tested, that statement in place of an empty "None." table."""
    untested = clusters.untested_note(series, design)
    if untested:
        return f"<p><strong>{html.escape(untested[0].upper() + untested[1:])}.</strong></p>"
    return f"{_notes_html(_cusum_notes(series, design))}\n{_html_table(alert_rows)}"


def _provenance_html(record: dict[str, Any]) -> str:
    """The run, in short: the full record (every option, each input's SHA-256) is run.json."""
    source = record["input"]
    if "files" in source:
        inputs = "; ".join(f"{f['role']} {f['name']} (SHA-256 {f['sha256']})" for f in source["files"])
    elif "seed" in source:
        inputs = f"{source['source']}, seed {source['seed']}"
    else:
        inputs = str(source["source"])
    cusum, tests = record["options"]["cusum"], record["options"]["funnel"]
    threshold = "chosen per unit" if cusum["threshold"] is None else f"{cusum['threshold']:g}"
    settings = (
        f"windows of {cusum['window_days']} days (offset {cusum['window_offset_days']}), rate ratio "
        f"{cusum['rate_ratio']:g}, threshold {threshold}, "
        f"warm-up {cusum['warm_up_days']} days, observed to {record['as_of']}; funnel test {tests['test']}, "
        f"FDR {tests['fdr']:g}, overdispersion {tests['overdispersion']}"
    )
    return (
        "<h2>Provenance</h2>\n"
        f"<p>mesosafe {html.escape(record['version'])}, finished {html.escape(record['finished_at'])} (UTC). "
        f"Input: {html.escape(inputs)}. Options: {html.escape(settings)}. The full record, with every "
        f'option, is <a href="{provenance.RUN_RECORD}">{provenance.RUN_RECORD}</a>.</p>'
    )


def _notes(classified: dict[str, pd.DataFrame]) -> list[str]:
    """Each funnel whose overdispersion could not be estimated, and why, or whose p-values underflowed."""
    notes = []
    for frame in classified.values():
        what = f"{frame['outcome'].iloc[0]} rate by {frame['unit_type'].iloc[0]}"
        note = frame.attrs["dispersion"].note
        if note:
            notes.append(f"{what}: {note} (binomial tail probabilities)")
        if underflow := funnel.underflow_note(frame):
            notes.append(f"{what}: {underflow}")
    return notes


def _notes_html(notes: list[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return f"<p>Notes:</p>\n<ul>{items}</ul>"


def _percent(rate: float) -> str:
    """16.7%, 2.35%, 0.412%: three significant figures at most."""
    value = rate * 100
    places = 0 if value >= 100 or value == 0 else min(3, max(0, 2 - math.floor(math.log10(value))))
    return f"{value:.{places}f}%"


def _as_percent(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The table as shown: risks in percent, as the text gives them (a CSV keeps the proportions)."""
    return frame.assign(**{c: frame[c].map(lambda v: _percent(float(v))) for c in columns if c in frame})


def _figure(name: str, frame: pd.DataFrame) -> str:
    unit_type, outcome = str(frame["unit_type"].iloc[0]), str(frame["outcome"].iloc[0])
    what = "Suspected-infection" if outcome == "infection" else "Complication"
    flagged = int((frame["status"] != "in control").sum())
    alt = (
        f"{what} rate by {unit_type}: {len(frame)} units against the pooled rate of "
        f"{_percent(float(frame['target'].iloc[0]))}; {flagged} outside the 95% limits, the most significant "
        "numbered as in the outlier table"
    )
    return (
        f'<figure><img src="funnel_{html.escape(name)}.svg" alt="{html.escape(alt)}" width="640">'
        f"<figcaption>{html.escape(what)} rate by {html.escape(unit_type)}</figcaption></figure>"
    )


def _test_text(design: funnel.FunnelDesign) -> str:
    binomial = f"{'exact binomial' if design.test == 'exact' else 'mid-p binomial'} tail probabilities"
    if design.overdispersion == "none":
        return binomial
    return (
        f"{binomial}, or where {design.overdispersion} overdispersion is found (Spiegelhalter 2005) the "
        "larger of them and the normal approximation's, so that no unit is more significant than under the "
        "binomial test"
    )


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    """Every CSV of the report is written here: text cells that start like a formula get a leading '
    (mesosafe.csvsafe); numeric columns are left as they are."""
    safe = frame.copy()
    for name in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[name]) and not pd.api.types.is_datetime64_any_dtype(
            safe[name]
        ):
            safe[name] = safe[name].map(safe_cell)
    safe.to_csv(path, index=False)


def _write_all(
    tables: TreatmentTables, folder: Path, settings: ReportSettings, source: dict[str, Any] | None
) -> ReportSummary:
    frame, c = outcomes(tables), tables.complications
    classified: dict[str, pd.DataFrame] = {}
    for unit_type in UNIT_TYPES:
        units = per_unit(frame, unit_type)
        parts = [rates.rate_table(units, unit_type, outcome) for outcome in OUTCOMES]
        _to_csv(pd.concat(parts, ignore_index=True), folder / f"rates_{unit_type}.csv")
        for part, outcome in zip(parts, OUTCOMES, strict=True):
            name = f"{unit_type}_{outcome}"
            classified[name] = funnel.classify(part, settings.funnel)
            _to_csv(classified[name], folder / f"funnel_{name}.csv")
            funnel.plot_funnel(classified[name], f"{outcome} rate by {unit_type}", folder / f"funnel_{name}")
    series = clusters.scan(tables.treatments, tables.complications, settings.cusum)
    _to_csv(series, folder / "cusum_series.csv")
    as_of = pd.Timestamp(series["as_of"].iloc[0])
    alert_rows = clusters.alerts(series)
    cases = clusters.alert_cases(alert_rows, tables, as_of)
    alert_rows = clusters.with_cases(alert_rows, cases)
    _to_csv(alert_rows, folder / "cusum_alerts.csv")
    _to_csv(cases, folder / "cusum_alert_cases.csv")
    record = provenance.run_record(settings.cusum, settings.funnel, source, as_of)
    (folder / "summary.html").write_text(
        _summary_html(tables, classified, alert_rows, cases, settings, series, record), encoding="utf-8"
    )
    outliers = sum(int(f["status"].str.startswith("alarm").sum()) for f in classified.values())
    summary = ReportSummary(
        files=sorted([*(p.name for p in folder.iterdir()), provenance.RUN_RECORD]),
        treatments=sessions(tables.treatments),
        complications=int(tables.complications["treatment_id"].nunique()),
        infections=int(c.loc[c["suspected_infection"], "treatment_id"].nunique()),
        outliers=outliers,
        alerts=len(alert_rows),
        notes=[*_notes(classified), *_cusum_notes(series, settings.cusum)],
        tested_windows=int(series["tested"].sum()),
        cusum_untested=clusters.untested_note(series, settings.cusum),
    )
    _write_record(folder, record, summary)
    return summary


def _write_record(folder: Path, record: dict[str, Any], summary: ReportSummary) -> None:
    results = {
        "treatments": summary.treatments,
        "treatments_with_a_complication": summary.complications,
        "treatments_with_a_suspected_infection": summary.infections,
        "funnel_alarms": summary.outliers,
        "cluster_alerts": summary.alerts,
        "cusum_unit_windows_tested": summary.tested_windows,
        "notes": summary.notes,
    }
    full = {**record, "results": results, "files": summary.files}
    text = json.dumps(full, ensure_ascii=False, indent=2)
    (folder / provenance.RUN_RECORD).write_text(text + "\n", encoding="utf-8")


def write_report(
    tables: TreatmentTables,
    out: str | os.PathLike[str],
    settings: ReportSettings | None = None,
    source: dict[str, Any] | None = None,
) -> ReportSummary:
    """Write the report into ``out`` (created if needed); on any error nothing reaches ``out``. ``source``
    is what ``run.json`` records as the input (``provenance.file_source``, ``demo_source`` …)."""
    target = Path(out)
    check_out_dir(target)
    settings = settings or ReportSettings()
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise AnalysisInputError(f"output directory (--out) {str(target)!r}: {exc.strerror}") from None
    try:
        summary = _write_all(tables, staging, settings, source)
        _move(staging, target, summary.files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


def _move(staging: Path, target: Path, names: list[str]) -> None:
    try:
        target.mkdir(exist_ok=True)
        for name in names:
            os.replace(staging / name, target / name)
    except OSError as exc:
        raise AnalysisInputError(f"output directory (--out) {str(target)!r}: {exc.strerror}") from None
