"""The staff pages' number rule: Western digits, '.' as the decimal mark, no grouping, units isolated, the
page's own list punctuation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from mesosafe.lib import staff_format


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1.50"), "1.5"),
        (Decimal("2.00"), "2"),
        (38.5, "38.5"),
        (38.0, "38"),
        (1200, "1200"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.05"), "0.05"),
        ("٣٨٫٥", "38.5"),
        ("۱۲", "12"),
        (0, "0"),
        (None, ""),
        ("20%", "20%"),
        ("", ""),
    ],
)
def test_number(value: object, shown: str) -> None:
    assert staff_format.number(value) == shown


def test_western_rewrites_knowledge_base_digits() -> None:
    assert staff_format.western("درجة حرارة ٣٨٫٠ مئوية") == "درجة حرارة 38.0 مئوية"
    assert staff_format.western("١٬٢٠٠") == "1200"


def test_quantity_is_one_isolated_run_and_escapes() -> None:
    assert staff_format.quantity(Decimal("1.50"), "ml") == "<bdi>1.5 ml</bdi>"
    assert staff_format.quantity("<b>", "ml") == "<bdi>&lt;b&gt; ml</bdi>"


def test_join_uses_the_pages_punctuation_and_escapes() -> None:
    assert staff_format.join(["pus", "<i>", "٣"], "ar") == "pus، &lt;i&gt;، 3"
    assert staff_format.join(["a", "b"], "ar", "semicolon") == "a؛ b"
    assert staff_format.join(["a", "b"], "en") == "a, b"
    assert staff_format.join(["a", "b"], "en", "semicolon") == "a; b"


def test_punctuate_only_on_arabic_pages() -> None:
    assert staff_format.punctuate("6 ديسمبر 2026, 06:06", "ar") == "6 ديسمبر 2026، 06:06"
    assert staff_format.punctuate("6 Dec 2026, 06:06", "en") == "6 Dec 2026, 06:06"


@pytest.mark.parametrize(("lang", "shown"), [("ar", "1.5 · 1200 · a، b"), ("en", "1.5 · 1200 · a, b")])
def test_djangos_own_number_formats_follow_the_rule(lang: str, shown: str) -> None:
    """The format module (web/formats/ar): "{{ 1.5 }}" is never "1,5" on an Arabic page."""
    template = Template("{% load staff %}{{ v }} · {{ n }} · {{ names|items }}")
    with translation.override(lang):
        assert template.render(Context({"v": Decimal("1.5"), "n": 1200, "names": ["a", "b"]})) == shown


def test_filters() -> None:
    source = '{% load staff %}{{ v|qty:"ml" }} {{ t|western }} {{ d|num }}{% separator "semicolon" %}'
    template = Template(source)
    with translation.override("ar"):
        shown = template.render(Context({"v": Decimal("1.50"), "t": "٣٨٫٠", "d": Decimal("2.50")}))
    assert shown == "<bdi>1.5 ml</bdi> 38.0 2.5؛ "


def test_the_comma_filter_keeps_digits() -> None:
    source = Template("{% load staff %}{{ when|comma }}")
    with translation.override("ar"):
        assert source.render(Context({"when": "3 December 2026, 05:16"})) == "3 December 2026، 05:16"
    with translation.override("en"):
        assert source.render(Context({"when": "3 December 2026, 05:16"})) == "3 December 2026, 05:16"
