from __future__ import annotations

from django.test import Client

from mesosafe.knowledge import load
from tests.pages_fixtures import Case


def test_faq_lists_every_entry_in_english(case: Case, client: Client) -> None:
    page = client.get(case.url("faq/")).content.decode()
    for entry in load().faq:
        assert f'id="faq-{entry.id}"' in page
    first = load().faq[0]
    assert first.question.en.replace("'", "&#x27;") in page


def test_faq_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    page = client.get(case.url("faq/")).content.decode()
    first = load().faq[0]
    assert first.answer.ar.replace("'", "&#x27;").replace('"', "&quot;") in page
    assert 'dir="rtl"' in page
