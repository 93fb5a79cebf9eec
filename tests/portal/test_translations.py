"""The Arabic catalogue: every entry is in use at run time. msgfmt leaves out entries marked fuzzy, so a
fuzzy entry shows English on an Arabic page; two did, until these tests."""

from __future__ import annotations

import re

from django.template import Context, Template
from django.utils import translation

from tests.arabic_forms import CATALOGUE, catalogue_entries, masculine_forms


def _arabic(source: str, **context: object) -> str:
    with translation.override("ar"):
        return Template("{% load i18n %}" + source).render(Context(context))


def test_no_entry_is_fuzzy_or_empty() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = text.split("\n\n")[1:]  # the first is the header
    empty = [e for e in entries if e.rstrip().endswith('msgstr ""') and not e.startswith("#~")]
    assert empty == []
    empty_plural_forms = re.findall(r'^msgstr\[\d\] ""\n(?!")', text + "\n", re.MULTILINE)
    assert empty_plural_forms == []


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
    assert _arabic('{% translate "Please send at most 5 photos." %}') == "يُرجى إرسال ٥ صور على الأكثر."


# Where an entry is used, by the start of its `#:` references: the patient pages, and the pages, emails and
# messages staff read (many of them women nurses).
# the pages, the emails, the calendar file and the exports (FHIR questionnaires, the printed sheet), and the
# screening questions both ask (patients/questions.py)
PATIENT = ("portal/", "patients/", "treatments/", "engines/", "fhir/", "sheets/")
STAFF = ("clinicui/", "registry/", "workers/", "checkins/", "clinics/", "complications/", "web/", "api/")


def test_patient_pages_address_a_woman_as_well_as_a_man() -> None:
    entries = catalogue_entries(CATALOGUE.read_text(encoding="utf-8"), PATIENT)
    assert len(entries) > 100  # the parse reaches the patient pages' entries
    masculine = {msgid: forms for msgid, arabic in entries if (forms := masculine_forms(arabic))}
    assert masculine == {}


def test_clinic_pages_and_staff_emails_address_a_woman_as_well_as_a_man() -> None:
    entries = catalogue_entries(CATALOGUE.read_text(encoding="utf-8"), STAFF)
    assert len(entries) > 250  # the parse reaches the clinic, registry and email entries
    masculine = {msgid: forms for msgid, arabic in entries if (forms := masculine_forms(arabic))}
    assert masculine == {}


def test_every_entry_names_where_it_is_used() -> None:
    """The checks above find an entry by its `#:` references: 78 entries without any (edited in by hand)
    hid masculine imperatives from them. `django-admin makemessages -l ar` (from src/mesosafe) writes them."""
    entries = CATALOGUE.read_text(encoding="utf-8").split("\n\n")[1:]
    live = [e for e in entries if "#~ msgid" not in e]  # obsolete entries are kept, marked #~
    unplaced = [e.splitlines()[0] for e in live if not any(line.startswith("#:") for line in e.splitlines())]
    assert unplaced == []


def test_every_entry_is_checked_for_patients_or_staff() -> None:
    references = {
        ref
        for line in CATALOGUE.read_text(encoding="utf-8").splitlines()
        if line.startswith("#:")
        for ref in line.split()[1:]
    }
    assert {ref for ref in references if not ref.startswith(PATIENT + STAFF)} == set()


def test_the_catalogue_check_reads_plural_and_wrapped_entries() -> None:
    catalogue = (
        'header\n\n#: portal/templates/a.html:1\nmsgid "Call"\nmsgstr ""\n"اتصل "\n"بالعيادة"\n\n'
        '#: portal/b.py:2\nmsgid "one"\nmsgid_plural "many"\nmsgstr[0] "ضع"\nmsgstr[1] "يُرجى الوضع"\n\n'
        '#: clinicui/c.html:3\nmsgid "Watch"\nmsgstr "راقب"'
    )
    entries = catalogue_entries(catalogue, PATIENT)
    assert entries == [("Call", "اتصل بالعيادة"), ("one", "ضع"), ("one", "يُرجى الوضع")]
    assert [masculine_forms(text) for _, text in entries] == [["اتصل"], ["ضع"], []]
    assert catalogue_entries(catalogue, STAFF) == [("Watch", "راقب")]
    assert masculine_forms("راقب") == ["راقب"]
