"""{{ value|digits }}: a number or date in the page's script. Arabic pages write numbers in Arabic-Indic
digits (the texts of the knowledge base and the catalogue do), so numbers and dates filled in from data
follow suit, with the Arabic comma in a date ("الاثنين ٢٣ نوفمبر ٢٠٢٦، ٠٥:٢٣"). Phone numbers are not
passed through it: they are dialled, and shown left to right. The clinic pages follow the staff rule instead
(lib/staff_format.py, clinicui/templatetags/staff.py): Western digits."""

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
    return arabic_digits(str(value)).replace(",", "،") if _arabic_page() else value
