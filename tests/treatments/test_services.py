"""treatments/services: recording a treatment once per idempotency key, a race of two sends included (the
other rules of recording are tested through the API, tests/api/test_treatments.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mesosafe.audit.models import AuditEvent
from mesosafe.lib.idempotency import KeyReused
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import CheckinLink, ScheduledCheckin, Treatment
from mesosafe.treatments.schemas import ProductLineIn, TreatmentIn
from mesosafe.treatments.services import record_treatment
from tests.concurrent import all_at_once, first_lookups_miss
from tests.service_fixtures import Site, on_postgres


def entry(site: Site, **changes: Any) -> TreatmentIn:
    values: dict[str, Any] = {
        "practitioner_id": site.staff.id,
        "performed_at": timezone.now().replace(microsecond=0) - timedelta(hours=1),
        "areas": ["face"],
        "technique": "nappage",
        "products": [ProductLineIn(batch_id=site.batch.id, volume_ml=Decimal("1.50"), area="face")],
    }
    return TreatmentIn(**{**values, **changes})


@pytest.fixture
def lookups_miss_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return first_lookups_miss(monkeypatch)


def _stored_once(patient: Patient) -> Treatment:
    [treatment] = Treatment.objects.filter(patient=patient)
    assert CheckinLink.objects.filter(treatment__patient=patient).count() == 1
    days = ScheduledCheckin.objects.filter(treatment=treatment).count()
    reminders = DBTaskResult.objects.filter(task_path="mesosafe.treatments.tasks.send_checkin_reminder")
    assert days > 0 and reminders.count() == days
    events = AuditEvent.objects.filter(object_type="treatment", action="create", patient_id=patient.id)
    assert events.count() == 1
    return treatment


def test_the_loser_of_a_race_answers_with_the_winners_treatment(
    site: Site,
    make_patient: Callable[..., Patient],
    lookups_miss_once: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    patient = make_patient(site)
    first, token = record_treatment(patient, entry(site), by=site.staff.user, idempotency_key="k")
    assert token and lookups_miss_once == []
    with django_capture_on_commit_callbacks() as callbacks:
        again, again_token = record_treatment(patient, entry(site), by=site.staff.user, idempotency_key="k")
    assert callbacks == []  # no e-mail
    assert again.id == first.id and again_token == "" and lookups_miss_once == [1]
    _stored_once(patient)


def test_the_loser_of_a_race_with_another_body_is_refused(
    site: Site, make_patient: Callable[..., Patient], lookups_miss_once: list[int]
) -> None:
    patient = make_patient(site)
    record_treatment(patient, entry(site), by=site.staff.user, idempotency_key="k")
    with pytest.raises(KeyReused) as refused:
        record_treatment(patient, entry(site, areas=["neck"]), by=site.staff.user, idempotency_key="k")
    assert refused.value.field == "Idempotency-Key" and lookups_miss_once == [1]
    _stored_once(patient)


@pytest.mark.django_db(transaction=True)
def test_sends_racing_with_one_key_store_one_treatment(
    site: Site, make_patient: Callable[..., Patient], lookups_miss_once: list[int]
) -> None:
    """Eight sends of one request with one key at the same moment, each in its own connection: one treatment,
    one link, one e-mail, one set of reminders, and every send answered with that treatment."""
    if not on_postgres():
        pytest.skip("concurrent writers meeting a unique index: PostgreSQL")
    patient, data = make_patient(site), entry(site)

    def send(_: int) -> tuple[int, str]:
        try:
            treatment, token = record_treatment(patient, data, by=site.staff.user, idempotency_key="race")
            return treatment.id, token
        finally:
            connection.close()

    answers = all_at_once(8, send)
    treatment = _stored_once(patient)
    assert {treatment_id for treatment_id, _ in answers} == {treatment.id}
    assert sum(1 for _, token in answers if token) == 1  # only the winner has the token to show
    assert len(mail.outbox) == 1 and len(lookups_miss_once) == 7  # seven met the constraint
