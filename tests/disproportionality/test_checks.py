from __future__ import annotations

import math

import pytest

from mesosafe.disproportionality.checks import id_value, missing, type_family


@pytest.mark.parametrize(("value", "expected"), [(None, True), (math.nan, True), ("", True), (" \t", True),
                                                 ("x", False), (0, False), (0.0, False)])  # fmt: skip
def test_missing(value: object, expected: bool) -> None:
    assert missing(value) is expected


@pytest.mark.parametrize(
    ("duck_type", "family"),
    [
        ("VARCHAR", "string"),
        ("UBIGINT", "integer"),
        ("DATE", "date"),
        ("VARCHAR[]", "nested"),
        ("DOUBLE", "other"),
    ],
)
def test_type_family(duck_type: str, family: str) -> None:
    assert type_family(duck_type) == family


def test_whole_number_text_ids_compare_as_integers() -> None:
    assert id_value(" 01", True) == 1 and id_value(" 01", False) == " 01"
