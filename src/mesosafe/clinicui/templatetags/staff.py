"""The staff pages' number rule (lib/staff_format.py) as template filters:

{{ value|num }} 1.5 · {{ value|qty:"ml" }} <bdi>1.5 ml</bdi> · {{ list|items }} a، b (or "a, b") ·
{{ list|items:"semicolon" }} a؛ b ·
{{ lines|symptom_items:"semicolon" }} a check-in's symptoms, the patient's words as written ·
{{ text|western }} Western digits in a stored or knowledge-base text ·
{{ date|date:"j F Y, H:i"|comma }} the Arabic comma in a date on Arabic pages ·
{% separator %} between items written out in a loop ·
{{ checkin.days_since_treatment|whole_days }} the day after treatment as the engine counts it (0 for 24 h)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html
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
def symptom_items(lines: Iterable[Any], kind: str = "comma") -> SafeString:
    """A check-in's symptom lines (checkins.answers.SymptomLine) as `items` lists them, except the patient's
    own words: those are quoted apart, in their own direction, escaped and never changed (not even their
    digits), as on the check-in's page."""
    return staff_format.join([_symptom_item(line) for line in lines or []], get_language(), kind)


def _symptom_item(line: Any) -> Any:
    words = getattr(line, "words", "")
    if not words:
        return line  # plain text: `join` escapes it and writes its digits the staff pages' way
    return format_html('{} <q dir="auto" class="own-words">{}</q>', staff_format.western(line.head), words)


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
