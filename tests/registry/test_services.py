"""Building a registry report in the worker: a record the analysis cannot use fails the report with a
message naming it, never a traceback, and earlier reports are kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
from django.contrib.auth.models import User

from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.patients.models import Patient
from mesosafe.registry import services
from mesosafe.registry.models import RegistryReport
from tests.service_fixtures import Site


def _report() -> RegistryReport:
    return RegistryReport.objects.create(requested_by=User.objects.create_user(f"a{User.objects.count()}"))


def test_a_report_runs_to_today_and_a_stored_year_3025_fails_the_next_with_the_record_named(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    tmp_path: Any,
    settings: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    treatment, _ = make_treatment(site, make_patient(site), days_ago=100)
    onset = site.clinic.local_date(treatment.performed_at) + timedelta(days=20)
    data = ComplicationIn(onset_date=onset, grade=2, relatedness="possibly", symptom_codes=["pus"])
    create(treatment, data, by=site.staff.user)

    done = services.build(_report())
    assert done.status == RegistryReport.Status.DONE, done.error
    assert (done.treatments, done.infections) == (1, 1)
    # one session 100 days ago: every window is in the 180-day warm-up, so "0 alerts" tells nothing
    assert done.alerts == 0 and done.tested_windows == 0
    run = json.loads((services.folder(done) / "run.json").read_text(encoding="utf-8"))
    assert run["input"]["source"].startswith("the clinic service's database")
    series = pd.read_csv(services.folder(done) / "cusum_series.csv")
    assert pd.Timestamp(series["window_end"].max()) >= pd.Timestamp(date.today())  # observed to today

    Complication.objects.update(onset_date=date(3025, 1, 5))  # stored before the clinic side refused it
    failed = services.build(_report())
    assert failed.status == RegistryReport.Status.FAILED
    assert f"complication #{Complication.objects.get().pk}" in failed.error and "3025-01-05" in failed.error
    assert (services.folder(done) / "summary.html").is_file()  # the earlier report is still there
