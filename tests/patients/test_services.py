"""patients/services: which screening gates a treatment (a patient's own later answers can add a restriction
but never lift one that staff recorded; a new screening by staff can), and adding a patient once per
idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection

from mesosafe.audit.models import AuditEvent
from mesosafe.engines.inputs import YES_NO
from mesosafe.lib.idempotency import KeyReused
from mesosafe.patients.models import Patient
from mesosafe.patients.schemas import PatientIn
from mesosafe.patients.services import (
    add_patient,
    gating_screening,
    latest_screening,
    needs_override,
    run_screening,
)
from tests.concurrent import all_at_once, first_lookups_miss
from tests.service_fixtures import Site, on_postgres

PREGNANT = {"age": 30, "pregnant": True}  # do_not_treat
DIABETES = {"age": 36, "conditions": ["diabetes"]}  # needs an override too, milder than do_not_treat
WELL = {"age": 30, **dict.fromkeys(YES_NO, False)}  # proceed: every question asked, every answer "no"


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


# --- adding a patient once per idempotency key ---


@pytest.fixture
def lookups_miss_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return first_lookups_miss(monkeypatch)


AMAL = PatientIn(name="Amal", date_of_birth=date(1990, 4, 1))


def _added_once(site: Site) -> Patient:
    [patient] = Patient.objects.filter(clinic=site.clinic)
    events = AuditEvent.objects.filter(object_type="patient", action="create", patient_id=patient.id)
    assert events.count() == 1
    return patient


def test_a_patient_is_added_once_per_key(site: Site) -> None:
    first, created = add_patient(site.staff, AMAL, "k")
    again, created_again = add_patient(site.staff, AMAL, "k")
    assert (again.id, created, created_again) == (first.id, True, False)
    assert _added_once(site).idempotency_key == "k"
    with pytest.raises(KeyReused):
        add_patient(site.staff, PatientIn(name="Noor", date_of_birth=date(1990, 4, 1)), "k")
    _added_once(site)


def test_the_loser_of_a_race_answers_with_the_winners_patient(
    site: Site, lookups_miss_once: list[int]
) -> None:
    first, _ = add_patient(site.staff, AMAL, "k")
    again, created = add_patient(site.staff, AMAL, "k")
    assert again.id == first.id and not created and lookups_miss_once == [1]
    _added_once(site)


@pytest.mark.django_db(transaction=True)
def test_sends_racing_with_one_key_add_one_patient(site: Site, lookups_miss_once: list[int]) -> None:
    if not on_postgres():
        pytest.skip("concurrent writers meeting a unique index: PostgreSQL")

    def send(_: int) -> tuple[int, bool]:
        try:
            patient, created = add_patient(site.staff, AMAL, "race")
            return patient.id, created
        finally:
            connection.close()

    answers = all_at_once(8, send)
    patient = _added_once(site)
    assert {patient_id for patient_id, _ in answers} == {patient.id}
    assert sorted(created for _, created in answers) == [False] * 7 + [True]
    assert len(lookups_miss_once) == 7
