"""Storing a check-in with its audit event: both or neither, a repeated idempotency key refused, on its own
(autocommit, as in the server) and inside a caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins import store
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.tasks import notify_escalation
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import Treatment
from tests.service_fixtures import Site


def _unsaved(treatment: Treatment, key: str | None = "k1") -> CheckIn:
    return CheckIn(
        treatment=treatment,
        link=treatment.link,
        idempotency_key=key,
        submitted_at=timezone.now(),
        days_since_treatment=2.0,
        answers={"symptoms": [{"code": "bruising", "severity": "mild"}]},
        disposition="self_care",
        disposition_rank=0,
        reasons=[{"rule": "expected", "text": "Bruising is expected — كدمة"}],
        next_session_ok=False,
        kb_version="kb-test",
    )


@pytest.fixture
def treatment(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> Treatment:
    treated: Treatment = make_treatment(site, make_patient(site))[0]
    return treated


def _check_stored(checkin: CheckIn, treatment: Treatment) -> None:
    stored = CheckIn.objects.get(id=checkin.id)
    assert stored.answers == checkin.answers and stored.reasons == checkin.reasons
    assert stored.review_note == "" and stored.reviewed_at is None
    event = AuditEvent.objects.get(object_type="checkin", object_id=str(checkin.id))
    patient = treatment.patient
    assert (event.clinic_id, event.patient_id, event.actor, event.action, event.user_id) == (
        patient.clinic_id, patient.id, "patient", "create", None,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)  # no outer transaction: the statement commits on its own
def test_stores_checkin_and_audit_event_together(treatment: Treatment) -> None:
    checkin = _unsaved(treatment)
    store.insert(checkin, treatment.patient.clinic_id, treatment.patient_id)
    assert checkin.id is not None and not checkin._state.adding
    _check_stored(checkin, treatment)


@pytest.mark.django_db(transaction=True)
def test_a_repeated_key_is_refused_and_stores_nothing_more(treatment: Treatment) -> None:
    patient = treatment.patient
    store.insert(_unsaved(treatment), patient.clinic_id, patient.id)
    with pytest.raises(IntegrityError):
        store.insert(_unsaved(treatment), patient.clinic_id, patient.id)
    assert CheckIn.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="checkin").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_audit_event_leaves_no_checkin(treatment: Treatment) -> None:
    with pytest.raises(IntegrityError):
        store.insert(_unsaved(treatment), 10**9, treatment.patient_id)  # no such clinic
    assert not CheckIn.objects.exists()
    assert not AuditEvent.objects.filter(object_type="checkin").exists()


def test_inside_a_transaction_a_refused_key_leaves_it_usable(treatment: Treatment) -> None:
    patient = treatment.patient
    with transaction.atomic():
        first = _unsaved(treatment)
        store.insert(first, patient.clinic_id, patient.id)
        with pytest.raises(IntegrityError):
            store.insert(_unsaved(treatment), patient.clinic_id, patient.id)
        _check_stored(first, treatment)


def _escalated(treatment: Treatment, key: str) -> CheckIn:
    checkin = _unsaved(treatment, key)
    checkin.disposition, checkin.disposition_rank = "emergency", 3
    return checkin


@pytest.mark.django_db(transaction=True)
def test_an_alert_is_stored_with_its_checkin_in_one_statement(treatment: Treatment) -> None:
    patient = treatment.patient
    checkin = _escalated(treatment, "k-alert")
    with CaptureQueriesContext(connection) as queries:
        store.insert(checkin, patient.clinic_id, patient.id, notify_escalation)
    if connection.vendor == "postgresql":
        assert len(queries) == 1  # no BEGIN, no COMMIT, no second INSERT: one round trip, as without
    _check_stored(checkin, treatment)
    [task] = DBTaskResult.objects.filter(task_path=notify_escalation.module_path)
    assert task.args_kwargs == {"args": [checkin.id], "kwargs": {}} and task.status == "READY"
    # the worker reads the row as it reads its own
    result = task.task_result
    assert result.args == [checkin.id] and result.task.func is notify_escalation.func


@pytest.mark.django_db(transaction=True)
def test_a_refused_alert_leaves_no_checkin_and_no_audit_event(treatment: Treatment) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("ALTER TABLE … ADD CONSTRAINT … NOT VALID is PostgreSQL's")
    table = DBTaskResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT refuse CHECK(false) NOT VALID')
    try:
        with pytest.raises(IntegrityError):
            store.insert(
                _escalated(treatment, "k"),
                treatment.patient.clinic_id,
                treatment.patient_id,
                notify_escalation,
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT refuse')
    assert not CheckIn.objects.exists()
    assert not AuditEvent.objects.filter(object_type="checkin").exists()


@pytest.mark.django_db
def test_a_four_kilobyte_explanation_stays_in_the_row_uncompressed(treatment: Treatment) -> None:
    """Migration 0004: compressing a check-in's explanation and writing it to the TOAST table cost about a
    sixth of PostgreSQL's CPU per check-in; the Arabic text goes as UTF-8 and comes back the same."""
    if connection.vendor != "postgresql":
        pytest.skip("TOAST is PostgreSQL's; SQLite stores every row as it comes")
    checkin = _unsaved(treatment)
    line = "ظهر صديد، أو أصبح الجلد ساخنًا ومحمرًا — You see pus, or the skin gets hot and red."
    checkin.explanation = {"watch_for": {"ar": [line] * 30, "en": [line] * 30}}
    store.insert(checkin, treatment.patient.clinic_id, treatment.patient_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(explanation), pg_column_compression(explanation) FROM checkins_checkin "
            "WHERE id = %s",
            [checkin.id],
        )
        size, compression = cursor.fetchone()
    assert size > 4000 and compression is None
    assert CheckIn.objects.get(id=checkin.id).explanation == checkin.explanation
