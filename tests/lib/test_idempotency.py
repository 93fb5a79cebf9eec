"""lib/idempotency: what is compared between a create and its retry, and what is stored without a key."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError

from mesosafe.clinics.models import Clinic
from mesosafe.lib.idempotency import Once, request_digest
from mesosafe.patients.models import Patient


def test_the_digest_ignores_the_order_of_keys_but_not_a_value() -> None:
    assert request_digest({"a": 1, "b": ["x", "y"]}) == request_digest({"b": ["x", "y"], "a": 1})
    assert request_digest({"a": 1, "b": ["x", "y"]}) != request_digest({"a": 1, "b": ["y", "x"]})
    assert request_digest({"name": "أمل"}) != request_digest({"name": "امل"})


def test_without_a_key_nothing_is_looked_up_or_stored(db: None, django_assert_num_queries: Any) -> None:
    for key in (None, ""):
        once = Once(Patient.objects.all(), key, {"name": "Amal"}, "patient")
        with django_assert_num_queries(0):
            assert once.earlier() is None
        assert once.fields() == {"idempotency_key": None, "request_digest": ""}


def test_with_a_key_the_key_and_the_digest_are_stored() -> None:
    once = Once(Patient.objects.none(), "k", {"name": "Amal"}, "patient")
    assert once.fields() == {"idempotency_key": "k", "request_digest": request_digest({"name": "Amal"})}


def _clinic_patients() -> Any:
    clinic = Clinic.objects.create(name="C", country="AE")
    return Patient.objects.filter(clinic=clinic), clinic


def test_run_creates_once_and_answers_a_retry_with_the_record(db: None) -> None:
    records, clinic = _clinic_patients()

    def create(once: Once[Patient]) -> tuple[Patient, bool]:
        fields = once.fields()
        return Patient.objects.create(
            clinic=clinic, name="Amal", date_of_birth=date(1990, 1, 1), **fields
        ), True

    sends = [Once(records, "k", {"name": "Amal"}, "patient") for _ in range(2)]
    answers = [send.run(lambda send=send: create(send), lambda earlier: (earlier, False)) for send in sends]
    assert [created for _, created in answers] == [True, False]
    assert answers[0][0] == answers[1][0] and records.count() == 1


def test_run_raises_an_integrity_error_that_is_not_the_key(db: None) -> None:
    records, _ = _clinic_patients()

    def create() -> Patient:
        raise IntegrityError("another constraint")

    with pytest.raises(IntegrityError, match="another constraint"):
        Once(records, "k", {"name": "Amal"}, "patient").run(create, lambda earlier: earlier)
