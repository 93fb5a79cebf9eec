"""The Arabic catalogue: every entry is in use at run time. msgfmt leaves out entries marked fuzzy, so a
fuzzy entry shows English on an Arabic page; two did, until these tests."""

from __future__ import annotations

from pathlib import Path

from django.template import Context, Template
from django.utils import translation

import mesosafe

CATALOGUE = Path(mesosafe.__file__).parent / "locale" / "ar" / "LC_MESSAGES" / "django.po"


def _arabic(source: str, **context: object) -> str:
    with translation.override("ar"):
        return Template("{% load i18n %}" + source).render(Context(context))


def test_no_entry_is_fuzzy_or_empty() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = text.split("\n\n")[1:]  # the first is the header
    empty = [e for e in entries if e.rstrip().endswith('msgstr ""') and not e.startswith("#~")]
    assert empty == []


def test_plural_open_complications() -> None:
    source = (
        "{% blocktranslate count n=n %}{{ n }} open complication.{% plural %}"
        "{{ n }} open complications.{% endblocktranslate %}"
    )
    assert _arabic(source, n=1) == "مضاعفة واحدة مفتوحة."
    assert _arabic(source, n=2) == "مضاعفتان مفتوحتان."


def test_percent_signs_in_a_block_translation() -> None:
    source = (
        "{% blocktranslate %}Complication and suspected-infection rates per clinic, practitioner, product "
        "and batch, with funnel plots (95% and 99.8% limits) and infection-cluster alerts "
        "(Poisson CUSUM).{% endblocktranslate %}"
    )
    assert "حدود 95% و99.8%" in _arabic(source)


def test_photo_strings() -> None:
    assert "حتى ٥ صور" in _arabic('{% translate "Photos of the treated area (optional, up to 5)" %}')
    assert _arabic('{% translate "Please send at most 5 photos." %}') == "يرجى إرسال ٥ صور على الأكثر."
