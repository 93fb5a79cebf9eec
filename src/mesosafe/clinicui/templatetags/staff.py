"""The staff pages' number rule (lib/staff_format.py) as template filters:

{{ value|num }} 1.5 · {{ value|qty:"ml" }} <bdi>1.5 ml</bdi> · {{ list|items }} a، b (or "a, b") ·
{{ list|items:"semicolon" }} a؛ b · {{ text|western }} Western digits in a stored or knowledge-base text ·
{{ date|date:"j F Y, H:i"|comma }} the Arabic comma in a date on Arabic pages ·
{% separator %} between items written out in a loop ·
{{ checkin.days_since_treatment|whole_days }} the day after treatment as the engine counts it (0 for 24 h)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from mesosafe.lib import staff_format

register = template.Library()


@register.filter
def num(value: Any) -> str:
    return staff_format.number(value)


@register.filter
def qty(value: Any, unit: str) -> SafeString:
    return staff_format.quantity(value, unit)


@register.filter
def items(values: Iterable[Any], kind: str = "comma") -> SafeString:
    return staff_format.join(values or [], get_language(), kind)


@register.filter
def whole_days(value: Any) -> int:
    """1.7 -> 1: the whole days elapsed since treatment, as the engine counts them (`days < 1` is the day of
    treatment, with no "since yesterday" question) and the patient's pages show them; never rounded up."""
    return math.floor(float(value))


@register.filter(is_safe=True)
def western(value: Any) -> Any:
    shown = staff_format.western(str(value))
    return mark_safe(shown) if hasattr(value, "__html__") else shown  # digits only changed


@register.filter(is_safe=True)
def comma(value: Any) -> Any:
    return staff_format.punctuate(str(value), get_language())


@register.simple_tag
def separator(kind: str = "comma") -> str:
    return staff_format.separator(get_language(), kind)
