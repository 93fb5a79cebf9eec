"""The Arabic clinic pages follow one number rule (lib/staff_format.py): Western digits, '.' as the decimal
mark, no thousands grouping, the Arabic comma between list items. Every clinic page is rendered in Arabic
with realistic data (1.5 mL, 38.5 °C, counts over a thousand, lists) and read."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

import mesosafe.portal
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import ProductUse, Treatment
from tests.pages_fixtures import Case, build_case

EASTERN = re.compile(r"[٠-٩۰-۹٫٬]")
WESTERN = re.compile(r"[0-9]")
COMMA_DECIMAL = re.compile(r"\d,\d")
GROUPED = re.compile(r"\d[.,\u066c\u00a0 ]\d{3}(?!\d)")
FORMS_ONLY = {"new_patient", "edit_patient"}  # empty forms: no number in their text


VOID = {"input", "img", "br", "meta", "link", "hr", "source", "area", "col", "wbr"}
SKIP = {"script", "style", "template", "code", "title"}


class _Text(HTMLParser):
    """The text a reader sees, and apart from it what the page writes in its own direction (not inside a
    left-to-right run such as a URL, an e-mail address or a code)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool, bool]] = []  # tag, hidden, left to right
        self.seen: list[str] = []
        self.own: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        hidden, ltr = self.stack[-1][1:] if self.stack else (False, False)
        self.stack.append(
            (tag, hidden or tag in SKIP, ltr or (dict(attrs).get("dir") == "ltr" and tag != "html"))
        )

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass  # an element closed implicitly (<p>, <li>)

    def handle_data(self, data: str) -> None:
        hidden, ltr = self.stack[-1][1:] if self.stack else (False, False)
        if not hidden:
            self.seen.append(data)
            if not ltr:
                self.own.append(data)


def read(html: str) -> tuple[str, str]:
    """(all the visible text, the part of it written in the page's direction), whitespace collapsed."""
    reader = _Text()
    reader.feed(html)
    return tuple(" ".join(" ".join(parts).split()) for parts in (reader.seen, reader.own))  # type: ignore[return-value]


def many_treatments(case: Case, n: int) -> None:
    """n more treatments of the case's lot (bulk: counts over a thousand without a thousand services)."""
    base = case.treatment
    other = Patient.objects.create(
        clinic=case.site.clinic,
        name="Bulk",
        date_of_birth=base.patient.date_of_birth,
        preferred_language="ar",
    )
    made = Treatment.objects.bulk_create(
        Treatment(
            patient=other,
            practitioner=base.practitioner,
            performed_at=base.performed_at,
            areas=["face"],
            aftercare=base.aftercare,
            kb_version=base.kb_version,
            created_by=base.created_by,
        )
        for _ in range(n)
    )
    ProductUse.objects.bulk_create(
        ProductUse(treatment=t, batch=case.site.batch, volume_ml=Decimal("2.25")) for t in made
    )


@pytest.fixture
def arabic_pages(case: Case, staff_client: Client) -> dict[str, str]:
    """Every clinic page, in Arabic, over a patient with 1.5 ml of a lot used 1202 times, a check-in at
    38.5 °C with three symptoms, a complication with two symptoms, and a treatment just recorded."""
    from mesosafe.complications.schemas import ComplicationIn
    from mesosafe.complications.services import create
    from mesosafe.treatments.recall_contacts import mark_contacted, send_recall

    many_treatments(case, 1200)
    build_case(case.site, name="Mariam", days_ago=20)  # silent since: overdue on "Today", several days
    stored = case.checkin(
        [{"code": "pus"}, {"code": "warmth"}, {"code": "redness", "severity": "moderate"}], temperature=38.5
    )
    onset = timezone.localdate()
    complication = create(
        case.treatment,
        ComplicationIn(onset_date=onset, grade=2, relatedness="probably", symptom_codes=["pus", "warmth"]),
        case.site.user,
    )
    recall = send_recall(case.site.clinic, case.site.batch.lot_number, case.site.user, "supplier notice")[0]
    mark_contacted(case.site.clinic, recall.lot_number, case.patient, case.site.user, "phone", "called")
    staff_client.cookies["django_language"] = "ar"
    patient, treatment, lot = case.patient.id, case.treatment.id, case.site.batch.lot_number
    urls = {
        "queue": "/clinic/",
        "checkin": f"/clinic/checkins/{stored.id}/",
        "today": "/clinic/today/",
        "patients": "/clinic/patients/",
        "patient": f"/clinic/patients/{patient}/",
        "new_patient": "/clinic/patients/new/",
        "edit_patient": f"/clinic/patients/{patient}/edit/",
        "new_treatment": f"/clinic/patients/{patient}/treatments/new/",
        "new_complication": f"/clinic/treatments/{treatment}/complications/new/?checkin={stored.id}",
        "edit_complication": f"/clinic/complications/{complication.id}/edit/",
        "recall": f"/clinic/recall/?lot={lot}",
        "products": "/clinic/products/",
        "stop_link": f"/clinic/treatments/{treatment}/link/stop/",
    }
    pages = {}
    for name, url in urls.items():
        response = staff_client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.content.decode()
    return pages


def test_every_arabic_clinic_page_writes_western_digits(arabic_pages: dict[str, str]) -> None:
    for name, html in arabic_pages.items():
        seen, _ = read(html)
        assert 'dir="rtl"' in html, name
        assert WESTERN.search(seen) or name in FORMS_ONLY, name  # the test does read numbers
        assert not EASTERN.findall(seen), (name, EASTERN.findall(seen))


def test_no_comma_as_decimal_mark_and_no_grouping(arabic_pages: dict[str, str]) -> None:
    for name, html in arabic_pages.items():
        seen, _ = read(html)
        assert not COMMA_DECIMAL.findall(seen), (name, COMMA_DECIMAL.findall(seen))
        assert not GROUPED.findall(seen), (name, GROUPED.findall(seen))


def test_volumes_temperatures_and_counts_as_the_rule_writes_them(arabic_pages: dict[str, str]) -> None:
    assert "<bdi>1.5\u00a0مل</bdi>" in arabic_pages["checkin"] and "1,50" not in arabic_pages["checkin"]
    assert "<bdi>1.5\u00a0مل</bdi>" in arabic_pages["patient"]
    for name in ("checkin", "queue", "patient"):
        assert "38.5" in read(arabic_pages[name])[0], name  # the answer
    for name in ("checkin", "queue"):
        assert "38.0" in read(arabic_pages[name])[0], name  # the knowledge base's threshold, "٣٨٫٠" there
    assert "<td>1202</td>" in arabic_pages["products"]  # 1200 + the case's + Mariam's
    assert "1202" in read(arabic_pages["recall"])[0]


def test_lists_use_the_arabic_comma_and_semicolon(arabic_pages: dict[str, str]) -> None:
    for name, html in arabic_pages.items():
        _, own = read(html)
        assert "," not in own and ";" not in own, (
            name,
            [own[max(0, i - 30) : i + 30] for i, c in enumerate(own) if c in ",;"],
        )
    assert "؛" in read(arabic_pages["queue"])[1]  # symptoms: semicolon between them
    assert "، " in read(arabic_pages["patient"])[1]  # complication symptoms: comma


def test_english_pages_keep_latin_punctuation(case: Case, staff_client: Client) -> None:
    case.checkin([{"code": "pus"}, {"code": "warmth"}], temperature=38.5)
    page = staff_client.get("/clinic/").content.decode()
    seen, own = read(page)
    assert "38.5" in seen and "; " in own and "،" not in own and "؛" not in own


def test_numbered_lists_count_in_western_digits_on_staff_pages(arabic_pages: dict[str, str]) -> None:
    """The patient pages number their lists in Arabic-Indic digits (a CSS list style): not the staff pages."""
    css = (Path(mesosafe.portal.__file__).parent / "static/mesosafe/css/site.css").read_text()
    assert 'html[lang="ar"] body.staff ol { list-style-type: decimal; }' in css
    assert css.index("arabic-indic") < css.index("body.staff ol")  # the later rule wins
    assert '<body class="staff"' in arabic_pages["checkin"] and "<ol" in arabic_pages["checkin"]
