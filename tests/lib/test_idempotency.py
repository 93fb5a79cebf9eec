"""lib/idempotency: what is compared between a create and its retry, and what is stored without a key."""

from __future__ import annotations

from typing import Any

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
