"""One number rule for the staff pages (clinic pages), in English and Arabic.

Staff read lot numbers, record ids, volumes and temperatures as they are printed on vials and devices, so
every number on a staff page is written the same way in both languages:

- Western digits (0-9), also in texts of the knowledge base that the patient pages write in Arabic-Indic;
- '.' as the decimal mark (never ',', which reads "1,50 ml" as 150 ml to many readers), no trailing zeros;
- no thousands grouping ("1200", not "1,200" or "1.200");
- a number with its unit is one left-to-right run, isolated from the text around it (<bdi>1.5 ml</bdi>);
- between list items, the Arabic comma '،' (or semicolon '؛') on Arabic pages, ',' (';') on English ones.

The patient pages keep their own rule (portal/templatetags/digits.py): Arabic-Indic digits on Arabic pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from mesosafe.lib.numbers import western_digits

_MARKS = {ord("٫"): ".", ord("٬"): None}  # Arabic decimal and thousands separators
SEPARATORS = {"comma": {"ar": "، ", "en": ", "}, "semicolon": {"ar": "؛ ", "en": "; "}}


def arabic(lang: str | None) -> bool:
    return (lang or "").startswith("ar")


def western(text: str) -> str:
    """'درجة حرارة ٣٨٫٠' -> 'درجة حرارة 38.0': Arabic-Indic and Persian digits and marks as Western."""
    return western_digits(text).translate(_MARKS)


def number(value: Any) -> str:
    """1.50 -> '1.5', Decimal('1200') -> '1200', 38.0 -> '38', '٣٨٫٥' -> '38.5'; not a number: as text."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    try:
        exact = Decimal(western(str(value)).strip())
    except InvalidOperation:
        return western(str(value))
    if not exact.is_finite():
        return str(value)
    text = format(exact, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: Any, unit: str) -> SafeString:
    """1.5, 'ml' -> '<bdi>1.5 ml</bdi>': a number with its unit, one run whatever the page's direction."""
    return format_html("<bdi>{} {}</bdi>", number(value), unit)


def separator(lang: str | None, kind: str = "comma") -> str:
    return SEPARATORS[kind]["ar" if arabic(lang) else "en"]


def join(items: Iterable[Any], lang: str | None, kind: str = "comma") -> SafeString:
    """List items, each escaped and in Western digits, with the page's comma or semicolon between them."""
    shown = (conditional_escape(western(str(i)) if not hasattr(i, "__html__") else i) for i in items)
    return mark_safe(separator(lang, kind).join(shown))  # each item escaped above


def punctuate(text: str, lang: str | None) -> str:
    """A date or phrase written with Latin punctuation ("6 ديسمبر 2026, 06:06"), in the page's."""
    if not arabic(lang):
        return text
    return text.replace(", ", "، ").replace("; ", "؛ ")
