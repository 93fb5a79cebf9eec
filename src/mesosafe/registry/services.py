"""Build the registry report from the clinic database into `<data dir>/registry/<report id>/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mesosafe.clinic_safety.units import OUTCOMES, UNIT_TYPES
from mesosafe.lib.analysis_input import AnalysisInputError
from mesosafe.registry.models import RegistryReport

# The files a report page may show; anything else in the folder is not served.
FUNNEL_NAMES = [f"{unit}_{outcome}" for unit in UNIT_TYPES for outcome in OUTCOMES]
FUNNELS = [f"funnel_{name}.svg" for name in FUNNEL_NAMES]
CASE_FILES = ["summary.html", "cusum_alerts.csv", "cusum_alert_cases.csv"]  # they name treatments
DOWNLOADS = [*CASE_FILES, *(f"rates_{unit}.csv" for unit in UNIT_TYPES)]


def folder(report: RegistryReport) -> Path:
    return Path(settings.DATA_DIR) / "registry" / str(report.pk)


def build(report: RegistryReport) -> RegistryReport:
    """Export the database, run the registry analysis and record the outcome on `report`."""
    # Imported here, in the worker that builds reports: pandas, SciPy and matplotlib took a web process
    # three seconds to load on its first request, for pages that only list a report's files.
    from mesosafe.clinic_safety.clusters import today_or_latest
    from mesosafe.clinic_safety.cusum import CusumDesign
    from mesosafe.clinic_safety.provenance import database_source
    from mesosafe.clinic_safety.report import ReportSettings, write_report
    from mesosafe.clinic_safety.tables import check_tables
    from mesosafe.registry import export

    folder(report).parent.mkdir(parents=True, exist_ok=True)
    try:
        tables = check_tables(export.treatments(), export.complications())
        # the database is current: windows run to today (infections of recent sessions may still begin)
        design = CusumDesign(as_of=today_or_latest(tables, timezone.now().date()))
        summary = write_report(tables, folder(report), ReportSettings(cusum=design), database_source())
    except AnalysisInputError as exc:  # no treatments recorded yet, or a record with an unusable date
        report.status, report.error = RegistryReport.Status.FAILED, str(exc)
    else:
        report.status = RegistryReport.Status.DONE
        report.treatments, report.infections = summary.treatments, summary.infections
        report.outliers, report.alerts = summary.outliers, summary.alerts
        report.tested_windows = summary.tested_windows
    report.finished_at = timezone.now()
    report.save()
    return report


def record_case_view(report: RegistryReport, name: str, user: Any) -> int:
    """Audit a view of a file that lists the treatments of cluster alerts: one read event per treatment,
    under its clinic and patient, naming the report and the file. Returns how many treatments."""
    import csv

    from mesosafe.audit.services import record
    from mesosafe.treatments.models import Treatment

    cases = folder(report) / "cusum_alert_cases.csv"
    if name not in CASE_FILES or not cases.is_file():
        return 0
    with cases.open(newline="", encoding="utf-8") as handle:
        ids = {row["treatment_id"] for row in csv.DictReader(handle)}
    treatments = Treatment.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()])
    rows = treatments.values_list("pk", "patient_id", "patient__clinic_id")
    detail = {"registry_report": report.pk, "file": name}
    with transaction.atomic():
        for pk, patient_id, clinic_id in rows:
            record(clinic_id, user, "read", "treatment", [pk], patient_id=patient_id, detail=detail)
    return len(rows)
