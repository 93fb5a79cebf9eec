"""Numbers as people type them (Arabic-Indic or Persian digits, a comma or '٫' as the decimal mark), and
numbers shown on Arabic pages in Arabic-Indic digits, as the Arabic texts write them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")} | {
    ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")
}
_MARKS = {ord("٫"): ".", ord("٬"): None, ord("،"): ","}  # Arabic decimal, thousands and comma (the comma key)
# Direction marks and isolates that a phone keyboard or a copy from an Arabic text puts around a number
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


_TO_ARABIC = {ord(str(i)): c for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def arabic_digits(text: str) -> str:
    """'day 3, 38.5 °C, 05:16' -> 'day ٣, ٣٨٫٥ °C, ٠٥:١٦' (a point between digits becomes '٫')."""
    return _DECIMAL_POINT.sub("٫", text).translate(_TO_ARABIC)


def western_digits(text: str) -> str:
    """'٠٥٠ ١٢٣' -> '050 123': Arabic-Indic and Persian digits, as an Arabic keyboard types them."""
    return text.translate(_DIGITS)


def normalise_number(text: str) -> str:
    """'٣٨٫٥' -> '38.5', '38,5' and '٣٨،٥' -> '38.5', direction marks dropped; anything else is left for the
    field to refuse."""
    text = western_digits(text.translate(_BIDI).strip()).translate(_MARKS)
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return text


class LocalDecimalField(forms.DecimalField):
    """A decimal field that accepts the digits and decimal marks of Arabic keyboards.

    It renders as a text input with a decimal keypad: a browser's number input drops a value it cannot
    parse and submits nothing, which for a temperature would silently lose a fever.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: IntegerField's
        return super().to_python(normalise_number(value) if isinstance(value, str) else value)
