"""Property-based run over the whole OpenAPI document: no 5xx, and every response is one the schema declares
(status, media type, body shape)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mesosafe.checkins.services import submit
from mesosafe.patients.models import Patient
from mesosafe.web.wsgi import application
from tests.service_fixtures import API, Site

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 400


@pytest.mark.django_db(transaction=True)
@override_settings(
    MESOSAFE_PATIENT_RATE=100_000, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
)
def test_whole_api_never_fails_and_conforms(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = make_patient(site)
    treatment, token = make_treatment(site, patient)
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "pus"}]})
    known = {
        "patient_id": patient.id,
        "treatment_id": treatment.id,
        "checkin_id": checkin.id,
        "complication_id": 1,
        "lot": site.batch.lot_number,
    }
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application)
    strategies = []
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        fixed = {name: value for name, value in known.items() if name in names}
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode))
            if fixed:
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    calls: dict[int | str, int] = {"count": 0}

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        secret = token if case.path.startswith(f"{API}/patient/") else site.key
        headers = {"Authorization": f"Bearer {secret}"}
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        calls["count"] += 1
        calls[response.status_code] = calls.get(response.status_code, 0) + 1

    run()
    assert calls["count"] >= 300
    # the run reached the handlers with valid input and was refused with invalid input
    assert calls.get(200, 0) + calls.get(201, 0) >= 30 and calls.get(422, 0) >= 30, calls
