"""The export against the official FHIR R4 JSON schema, from an npm package (tests/fhir/data/NOTICE.md)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from mesosafe.fhir.bundle import patient_bundle
from mesosafe.knowledge import load
from mesosafe.patients.models import Patient
from tests.fhir.records import full_patient
from tests.service_fixtures import Site

SCHEMA = Path(__file__).parent / "data" / "fhir.schema.json.gz"


@cache
def validator() -> Any:
    schema = json.loads(gzip.decompress(SCHEMA.read_bytes()))
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    return jsonschema_rs.Draft7Validator(schema)


def errors(resource: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator().iter_errors(resource)]


def test_the_whole_bundle_is_valid_fhir_r4(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    made = patient_bundle(full_patient(site, make_patient, make_treatment, lang="ar"), load())
    assert errors(made) == []
    for entry in made["entry"]:
        assert errors(entry["resource"]) == [], entry["resource"]["resourceType"]


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "Procedure", "id": "t-1", "status": "completed"},  # no subject
        {"resourceType": "Patient", "id": "p-1", "birthDate": "14/03/1990"},
        {"resourceType": "Patient", "id": "p-1", "sex": "female"},  # not an R4 element
        {
            "resourceType": "Observation",
            "id": "o-1",
            "status": "final",
            "code": {"text": "x"},
            "valueCodeableConcept": {"coding": [{"system": "not a uri", "code": " "}]},
        },
    ],
)
def test_the_schema_catches_a_broken_resource(resource: dict[str, Any]) -> None:
    assert errors(resource)
