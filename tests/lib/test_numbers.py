from decimal import Decimal

import pytest
from django import forms

from mesosafe.lib.numbers import LocalDecimalField, normalise_number


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("٣٨٫٥", "38.5"),
        ("٣٨.٥", "38.5"),
        ("۳۸٫۵", "38.5"),
        ("38,5", "38.5"),
        (" 37.9 ", "37.9"),
        ("1٬200", "1200"),
        ("٣٨،٥", "38.5"),  # the Arabic comma: what the comma key of many Arabic phone keyboards types
        ("38.5\u200f", "38.5"),  # a right-to-left mark after the number
        ("\u200e٣٩", "39"),  # a left-to-right mark before it
        ("\u2067٣٨٫٥\u2069", "38.5"),  # inside a right-to-left isolate, as copied from an Arabic text
    ],
)
def test_normalise_number(typed: str, read: str) -> None:
    assert normalise_number(typed) == read


def test_a_comma_is_a_decimal_mark_only_without_a_point() -> None:
    assert normalise_number("1,200.5") == "1,200.5"  # left for the field to refuse


def test_the_field_reads_arabic_digits_and_refuses_nonsense() -> None:
    field = LocalDecimalField(required=False, max_digits=4, decimal_places=1)
    assert field.clean("٣٨٫٥") == Decimal("38.5")
    assert field.clean("") is None
    with pytest.raises(forms.ValidationError):
        field.clean("hot")


def test_it_renders_as_text_with_a_decimal_keypad() -> None:
    html = LocalDecimalField().widget.render("t", None)
    assert 'type="text"' in html and 'inputmode="decimal"' in html
