"""Storing a check-in with its audit event: both or neither, a repeated idempotency key refused, on its own
(autocommit, as in the server) and inside a caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins import store
from mesosafe.checkins.models import CheckIn
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
