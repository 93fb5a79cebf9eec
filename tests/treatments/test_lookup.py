"""Finding a treatment link by token hash: the hand-written PostgreSQL query must load exactly what the ORM
loads, and leave the JSON fields to load (converted) on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model

from mesosafe.lib.tokens import digest
from mesosafe.patients.models import Patient
from mesosafe.treatments import lookup
from mesosafe.treatments.models import CheckinLink
from tests.service_fixtures import Site


def _loaded(instance: Model) -> dict[str, Any]:
    deferred = instance.get_deferred_fields()
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields
            if f.attname not in deferred}  # fmt: skip


def test_loads_link_treatment_patient_and_clinic_as_the_orm_does(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, token = make_treatment(site, make_patient(site, lang="ar"))
    found = lookup.checkin_link(digest(token))
    assert found is not None
    expected = CheckinLink.objects.select_related("treatment__patient__clinic").get(id=found.id)
    pairs = [
        (found, expected),
        (found.treatment, expected.treatment),
        (found.treatment.patient, expected.treatment.patient),
        (found.treatment.patient.clinic, expected.treatment.patient.clinic),
    ]
    for got, want in pairs:
        assert _loaded(got).items() <= _loaded(want).items()
    assert found.treatment.patient.preferred_language == "ar"
    assert found.treatment.performed_at == treatment.performed_at


def test_json_fields_load_converted_on_first_use(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, token = make_treatment(site, make_patient(site))
    found = lookup.checkin_link(digest(token))
    assert found is not None
    assert found.treatment.areas == ["face"]
    assert found.treatment.aftercare == treatment.aftercare
    assert isinstance(found.treatment.aftercare, dict)


def test_unknown_hash_finds_nothing(db: Any) -> None:
    assert lookup.checkin_link(digest("no such token")) is None


def test_related_objects_come_without_a_query(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_assert_num_queries: Any,
) -> None:
    _, token = make_treatment(site, make_patient(site))
    found = lookup.checkin_link(digest(token))
    assert found is not None
    with django_assert_num_queries(0):
        assert found.treatment.patient.clinic.id == site.clinic.id
        assert found.treatment.patient.clinic_id == site.clinic.id
