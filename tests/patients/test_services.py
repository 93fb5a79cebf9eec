"""patients/services: which screening gates a treatment. A patient's own later answers can add a restriction
but never lift one that staff recorded; a new screening by staff can."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mesosafe.patients.models import Patient
from mesosafe.patients.services import gating_screening, latest_screening, needs_override, run_screening
from tests.service_fixtures import Site

PREGNANT = {"age": 30, "pregnant": True}  # do_not_treat
DIABETES = {"age": 36, "conditions": ["diabetes"]}  # needs an override too, milder than do_not_treat
WELL = {"age": 30}  # proceed


@pytest.fixture
def patient(site: Site, make_patient: Callable[..., Patient]) -> Patient:
    return make_patient(site)


def test_no_screening_gates_nothing(patient: Patient) -> None:
    assert gating_screening(patient) is None and not needs_override(None)


def test_the_latest_gates_when_staff_answered_it(site: Site, patient: Patient) -> None:
    run_screening(patient, PREGNANT, by=site.staff.user)
    latest = run_screening(patient, WELL, by=site.staff.user)
    assert gating_screening(patient) == latest and not needs_override(latest)


def test_the_patients_milder_answers_do_not_lift_the_clinics(site: Site, patient: Patient) -> None:
    by_staff = run_screening(patient, PREGNANT, by=site.staff.user)
    own = run_screening(patient, WELL)
    assert latest_screening(patient) == own
    assert gating_screening(patient) == by_staff and needs_override(by_staff)


def test_the_patients_stricter_answers_gate(site: Site, patient: Patient) -> None:
    run_screening(patient, DIABETES, by=site.staff.user)
    own = run_screening(patient, PREGNANT)
    assert gating_screening(patient) == own and own.decision == "do_not_treat"


def test_a_later_staff_screening_lifts_it(site: Site, patient: Patient) -> None:
    run_screening(patient, PREGNANT, by=site.staff.user)
    run_screening(patient, WELL)
    again = run_screening(patient, WELL, by=site.staff.user)
    assert gating_screening(patient) == again and not needs_override(again)


def test_only_the_clinics_latest_counts(site: Site, patient: Patient) -> None:
    run_screening(patient, PREGNANT, by=site.staff.user)
    lifted = run_screening(patient, WELL, by=site.staff.user)
    own = run_screening(patient, WELL)
    assert gating_screening(patient) == own and lifted.decision == own.decision == "proceed"
