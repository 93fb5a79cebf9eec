"""A patient with every kind of record the FHIR export maps, for the tests of tests/fhir."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from mesosafe.checkins.services import submit
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.patients.models import Patient
from mesosafe.patients.services import run_screening
from tests.service_fixtures import Site


def full_patient(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any], lang: str = "en"
) -> Patient:
    patient = make_patient(site, lang=lang)
    run_screening(
        patient,
        {"age": 34, "medications": [{"name": "ibuprofen", "last_taken_days_ago": 1}]},
        by=site.staff.user,
    )
    treatment, _ = make_treatment(site, patient, days_ago=21, override_reason="ibuprofen stopped")
    redness = {"code": "redness", "severity": "mild", "trend": "improving", "spreading": False}
    submit(treatment.link, {"symptoms": [redness]})
    lump = {"code": "lump", "severity": "moderate", "trend": "worse"}  # lump asks nothing about spreading
    checkin, _ = submit(treatment.link, {"symptoms": [lump], "temperature_c": 37.2})
    data = ComplicationIn(
        onset_date=timezone.localdate() - timedelta(days=1),
        grade=2,
        relatedness="probably",
        symptom_codes=["lump", "pain"],
        serious=True,
        serious_reason="disfigurement",
        outcome="recovering",
        suspected_infection=True,
    )
    create(treatment, data, by=site.staff.user, checkin=checkin)
    return patient
