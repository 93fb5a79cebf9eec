"""Arabic patient pages write every number from data in Arabic-Indic digits, like their fixed texts; phone
numbers (dialled, left to right) and names keep theirs. English pages are unchanged."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from mesosafe.lib.numbers import arabic_digits
from mesosafe.patients.services import run_screening
from tests.pages_fixtures import Case

WESTERN = re.compile(r"[0-9]")
# Left-to-right runs and isolated names keep their own digits; <title> carries no data.
KEEP = {"bdi", "script", "style", "title", "code"}


class _Text(HTMLParser):
    """The page's text, leaving out what is meant to keep Western digits."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"input", "img", "br", "meta", "link", "line", "circle", "path"}:
            return  # void or self-closing: nothing inside
        # <html dir> is the page's direction; the chart's <svg dir="ltr"> only lays out its axes
        keep = tag in KEEP or (dict(attrs).get("dir") == "ltr" and tag not in {"html", "svg"})
        self.stack.append(keep or bool(self.stack and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in {"input", "img", "br", "meta", "link", "line", "circle", "path"}:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


def _western_digits(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [t.strip() for t in parser.text if WESTERN.search(t)]


def test_arabic_digits() -> None:
    assert arabic_digits("day 3, 38.5 °C at 05:16, v1.2.0") == "day ٣, ٣٨٫٥ °C at ٠٥:١٦, v١٫٢٫٠"
    assert arabic_digits("no numbers.") == "no numbers."


def test_the_filter_follows_the_language() -> None:
    source = Template("{% load digits %}{{ when|digits }}")
    with translation.override("ar"):
        assert source.render(Context({"when": "3 December 2026, 05:16"})) == "٣ December ٢٠٢٦، ٠٥:١٦"
    with translation.override("en"):
        assert source.render(Context({"when": "3 December 2026, 05:16"})) == "3 December 2026, 05:16"


@pytest.fixture
def arabic_case(make_case: Any) -> Case:
    case: Case = make_case(lang="ar")
    for severity in ("moderate", "mild"):
        case.checkin([{"code": "bruising", "severity": severity}])
    run_screening(case.patient, {"age": 35, "medications": [{"name": "Aspirin", "last_taken_days_ago": 1}]})
    return case


def _pages(case: Case) -> list[str]:
    checkin = case.treatment.checkins.first()
    screening = case.patient.screenings.first()
    assert checkin is not None and screening is not None
    return [
        "",
        "aftercare/",
        "checkin/",
        f"checkin/{checkin.id}/",
        "recovery/",
        "screening/",
        f"screening/{screening.id}/?session_date=2030-01-15",
        "faq/",
    ]


def test_arabic_pages_show_no_western_digits(client: Client, arabic_case: Case) -> None:
    for page in _pages(arabic_case):
        response = client.get(arabic_case.url(page))
        assert response.status_code == 200, page
        html = response.content.decode()
        assert 'lang="ar"' in html
        assert _western_digits(html) == [], page
        assert re.search("[٠-٩]", html), page  # and numbers there are


def test_phone_numbers_keep_western_digits(client: Client, arabic_case: Case) -> None:
    html = client.get(arabic_case.url()).content.decode()
    assert '<span dir="ltr">998</span>' in html


def test_english_pages_keep_western_digits(client: Client, make_case: Any) -> None:
    case = make_case(lang="en")
    case.checkin([{"code": "bruising"}])
    html = client.get(case.url("aftercare/")).content.decode()
    assert not re.search("[٠-٩]", html)
    assert _western_digits(html)
