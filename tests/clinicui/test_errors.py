"""The API schema's errors as the clinic pages say them, in the page's language (clinicui/api_errors.py)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from mesosafe.clinics.schemas import BatchIn, ProductIn
from mesosafe.clinicui.errors import BY_KIND, BY_MESSAGE, BY_REASON, message
from mesosafe.clinicui.forms import TreatmentForm
from mesosafe.engines import InputError, parse
from mesosafe.errors import Code, DomainError, conflict
from mesosafe.lib.fields import BEFORE_1900
from mesosafe.patients.schemas import PatientIn
from tests.pages_fixtures import Case, ClinicSite

PATIENT = {"name": "Huda Mansour", "date_of_birth": "1988-04-21", "preferred_language": "ar"}


def error_of(model: Any, data: dict[str, Any]) -> InputError:
    with pytest.raises(InputError) as caught:
        parse(model, data)
    return caught.value


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (PatientIn, {"name": "A", "date_of_birth": date(1899, 12, 31)}, "The year must be 1900 or later."),
        (
            PatientIn,
            {"name": "A", "date_of_birth": date.today() + timedelta(days=3)},
            "This date cannot be in the future.",
        ),
        (
            PatientIn,
            {"name": "A", "date_of_birth": date(1990, 1, 1), "email": "a@"},
            "Enter a valid email address.",
        ),
        (PatientIn, {"name": "A" * 201, "date_of_birth": date(1990, 1, 1)}, "Use at most 200 characters."),
        (ProductIn, {"name": "X", "ingredients": ["i"] * 51}, "Give at most 50 items."),
        (
            BatchIn,
            {"product_id": 1, "lot_number": "A 1", "expires_on": date(2030, 1, 1)},
            "Use only Latin letters, digits, dots, hyphens and underscores, without spaces.",
        ),
    ],
)
def test_schema_errors_become_sentences(model: Any, data: dict[str, Any], expected: str) -> None:
    with translation.override("en"):
        assert message(error_of(model, data)) == expected


def test_an_error_without_a_sentence_keeps_the_schemas_words() -> None:
    error = error_of(PatientIn, {"name": "A", "date_of_birth": "soon"})
    assert error.kind not in BY_KIND and message(error) == error.message


def test_every_sentence_is_translated_to_arabic() -> None:
    for key, sentence in [*BY_KIND.items(), *BY_REASON.items(), *BY_MESSAGE.items()]:
        with translation.override("en"):
            english = str(sentence)
        with translation.override("ar"):
            assert str(sentence) != english, key


def test_an_arabic_page_says_the_schemas_rule_in_arabic(site_a: ClinicSite, staff_client: Client) -> None:
    staff_client.cookies["django_language"] = "ar"
    response = staff_client.post("/clinic/patients/new/", PATIENT | {"date_of_birth": "1899-12-31"})
    page = response.content.decode()
    with translation.override("ar"):
        expected = str(BY_REASON[BEFORE_1900])
    assert response.status_code == 400 and expected in page
    assert "must be after 1900" not in page and "1900 or later" not in page


def test_an_english_page_names_the_ingredient(site_a: ClinicSite, staff_client: Client) -> None:
    posted = {"name": "Dermaheal", "ingredients": "peptides, " + "x" * 121}
    page = staff_client.post("/clinic/products/new/", posted).content.decode()
    assert "Ingredient 2: Use at most 120 characters." in page


def test_a_services_refusal_lands_on_the_field_it_names(case: Case) -> None:
    form = TreatmentForm({}, staff=case.site.staff)
    form.is_valid()
    form.refuse(conflict(("products", 2, "batch_id"), "lot L expired on 2026-01-01"))
    form.refuse(DomainError("practitioner_id", "no practitioner with this id in your clinic"))
    form.refuse(DomainError("somewhere_else", "a rule the form has no field for"))
    assert "lot L expired on 2026-01-01" in form.errors["batch_2"]
    assert "no practitioner with this id in your clinic" in form.errors["practitioner"]
    assert "a rule the form has no field for" in form.non_field_errors()


def test_an_api_refusal_is_problem_json_naming_the_field() -> None:
    from mesosafe.api.main import STATUS, _refused

    response = _refused(RequestFactory().get("/"), conflict(("products", 0, "batch_id"), "expired"))
    assert response.status_code == STATUS[Code.CONFLICT] == 409
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["errors"] == [{"field": "products[0].batch_id", "message": "expired"}]
