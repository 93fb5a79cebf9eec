"""The check-in as the API and the CLI accept and store it (engines/contract.py)."""

from __future__ import annotations

import pytest

from mesosafe.engines import CheckIn, InputError, parse
from mesosafe.engines.contract import complete, stored
from mesosafe.knowledge import load

KB = load()


def test_the_patients_own_words_are_stored_as_written() -> None:
    words = "  طعم معدني في الفم\nsince day 2 "
    data = {
        "days_since_treatment": 2,
        "symptoms": [{"code": "something_else", "severity": "mild", "description": words}],
    }
    assert stored(complete(parse(CheckIn, data), KB)) == {
        "symptoms": [{"code": "something_else", "severity": "mild", "description": words}],
        "temperature_c": None,
    }


def test_without_words_nothing_is_stored_for_them() -> None:
    data = {"days_since_treatment": 2, "symptoms": [{"code": "something_else", "severity": "moderate"}]}
    assert stored(complete(parse(CheckIn, data), KB))["symptoms"] == [
        {"code": "something_else", "severity": "moderate"}
    ]


def test_the_how_bad_question_is_required_for_something_else() -> None:
    data = {
        "days_since_treatment": 2,
        "symptoms": [{"code": "something_else", "description": "a rash on my back"}],
    }
    with pytest.raises(InputError) as error:
        complete(parse(CheckIn, data), KB)
    assert error.value.field == "symptoms[0].severity"


def test_a_description_on_a_code_that_takes_none_is_refused() -> None:
    data = {
        "days_since_treatment": 0,
        "symptoms": [{"code": "bruising", "severity": "mild", "spreading": False, "description": "big"}],
    }
    with pytest.raises(InputError) as error:
        complete(parse(CheckIn, data), KB)
    assert error.value.field == "symptoms[0].description"
