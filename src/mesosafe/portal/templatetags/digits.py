"""{{ value|digits }}: a number or date in the page's script. Arabic pages write numbers in Arabic-Indic
digits (the texts of the knowledge base and the catalogue do), so numbers and dates filled in from data
follow suit, with the Arabic comma in a date ("الاثنين ٢٣ نوفمبر ٢٠٢٦، ٠٥:٢٣"). Phone numbers are not
passed through it: they are dialled, and shown left to right. {{ value|comma }} gives the clinic pages the
Arabic comma alone."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from mesosafe.lib.numbers import arabic_digits

register = template.Library()


def _arabic_page() -> bool:
    return (get_language() or "").startswith("ar")


@register.filter(is_safe=True)
def digits(value: Any) -> Any:
    return comma(arabic_digits(str(value))) if _arabic_page() else value


@register.filter(is_safe=True)
def comma(value: Any) -> Any:
    """The Arabic comma on Arabic pages, digits left as they are: for the clinic pages, whose staff read
    Western digits (as in lot numbers and record ids)."""
    return str(value).replace(",", "،") if _arabic_page() else value
