"""mesosafe.errors: one refusal (field path, message, code) whatever raised it."""

from __future__ import annotations

import pytest

from mesosafe.engines import CheckIn, InputError, parse
from mesosafe.errors import Code, DomainError, conflict, field_path


def test_a_path_is_named_as_the_api_names_fields() -> None:
    assert field_path(("products", 1, "batch_id")) == "products[1].batch_id"
    error = DomainError(("symptoms", 0, "code"), "unknown")
    assert (error.field, error.path, error.code, str(error)) == (
        "symptoms[0].code",
        ("symptoms", 0, "code"),
        Code.INVALID,
        "symptoms[0].code: unknown",
    )
    assert DomainError("practitioner_id", "x").path == ("practitioner_id",)
    assert conflict("lot_number", "taken").code == Code.CONFLICT


def test_an_engine_input_error_is_a_domain_error_with_its_path() -> None:
    with pytest.raises(DomainError) as caught:
        parse(CheckIn, {"days_since_treatment": 1, "symptoms": [{"code": "redness", "severity": "awful"}]})
    error = caught.value
    assert isinstance(error, InputError) and error.code == Code.INVALID
    assert error.path == ("symptoms", 0, "severity") and error.field == "symptoms[0].severity"
    assert error.kind == "enum"
