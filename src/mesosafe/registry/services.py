"""Build the registry report from the clinic database into `<data dir>/registry/<report id>/`."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from mesosafe.clinic_safety.units import OUTCOMES, UNIT_TYPES
from mesosafe.lib.analysis_input import AnalysisInputError
from mesosafe.registry.models import RegistryReport

# The files a report page may show; anything else in the folder is not served.
FUNNELS = [f"funnel_{unit}_{outcome}.svg" for unit in UNIT_TYPES for outcome in OUTCOMES]
DOWNLOADS = ["summary.html", "cusum_alerts.csv", *(f"rates_{unit}.csv" for unit in UNIT_TYPES)]


def folder(report: RegistryReport) -> Path:
    return Path(settings.DATA_DIR) / "registry" / str(report.pk)


def build(report: RegistryReport) -> RegistryReport:
    """Export the database, run the registry analysis and record the outcome on `report`."""
    # Imported here, in the worker that builds reports: pandas, SciPy and matplotlib took a web process
    # three seconds to load on its first request, for pages that only list a report's files.
    from mesosafe.clinic_safety.clusters import CusumDesign, today_or_latest
    from mesosafe.clinic_safety.report import write_report
    from mesosafe.clinic_safety.tables import check_tables
    from mesosafe.registry import export

    folder(report).parent.mkdir(parents=True, exist_ok=True)
    try:
        tables = check_tables(export.treatments(), export.complications())
        # the database is current: windows run to today (infections of recent sessions may still begin)
        design = CusumDesign(as_of=today_or_latest(tables, timezone.now().date()))
        summary = write_report(tables, folder(report), design)
    except AnalysisInputError as exc:  # no treatments recorded yet, or a record with an unusable date
        report.status, report.error = RegistryReport.Status.FAILED, str(exc)
    else:
        report.status = RegistryReport.Status.DONE
        report.treatments, report.infections = summary.treatments, summary.infections
        report.outliers, report.alerts = summary.outliers, summary.alerts
    report.finished_at = timezone.now()
    report.save()
    return report
