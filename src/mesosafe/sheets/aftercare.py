"""The printed aftercare sheet: the treatment, the timed aftercare (now, after 24 h, after 48 h), the
check-in dates, the warning signs with the emergency and the clinic's number, and a QR code of the
patient's private link. One or two A4 pages, English or Arabic (right to left, Noto Naskh Arabic).

The link exists only when it is issued or reissued (it is stored hashed), so the caller passes it in.
Numbers a patient dials or reads out (phone numbers, lot numbers, the link) are isolated in
`<span dir="ltr">` so the Arabic layout does not reorder them; so are the Latin runs of texts typed by staff
(areas, product names), but not their Arabic. Volumes are written in the patient's digits, Arabic-Indic on an
Arabic sheet, as the patient's pages write data numbers.

WeasyPrint fetches nothing but the QR code's data URI: any other URL (file://, http://) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from hashlib import sha256
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import segno
import weasyprint
from django.core.cache import cache
from django.template import engines
from django.utils import formats, translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from mesosafe.engines.results import AftercarePlan
from mesosafe.knowledge import KnowledgeBase, Lang
from mesosafe.lib.numbers import arabic_digits
from mesosafe.treatments.models import Treatment

TEMPLATE = Path(__file__).parent / "templates" / "aftercare.html"
WINDOWS = ((0, 24), (24, 48), (48, None))  # the sheet's three columns, in hours after the session
WINDOW_TITLES = (_("Now (the first 24 hours)"), _("After 24 hours"), _("After 48 hours"))
CACHE_S = 24 * 3600
QR_PREFIX = "data:image/svg+xml;"  # segno's SVG data URI: the one URL the sheet loads

_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_LATIN = "A-Za-z0-9\u00c0-\u024f"
# From a Latin letter or digit (or an opening bracket before it) to the last Latin letter, digit, '%' or
# closing bracket before Arabic text: "(Face 2)", "Vitamin C 20%", but not the " - " of "الوجه - Face".
_LATIN_RUN = re.compile(rf"[(\[]*[{_LATIN}](?:[^{_ARABIC}]*[{_LATIN}%)\]])?")


@dataclass(frozen=True)
class Step:
    title: str
    text: str


@dataclass(frozen=True)
class Sheet:
    lang: str
    clinic: str
    clinic_phone: str
    emergency_number: str
    treated_on: str
    areas: list[str]
    products: list[tuple[str, str, str]]  # name, lot, volume
    windows: list[tuple[str, list[Step]]]  # now, after 24 h, after 48 h
    checkins: list[str]
    warnings: list[str]
    link: str
    qr: str  # an SVG data URI


def build(treatment: Treatment, link: str, kb: KnowledgeBase, lang: str | None = None) -> Sheet:
    patient = treatment.patient
    clinic = patient.clinic
    lang = Lang(lang or patient.preferred_language)
    zone = ZoneInfo(clinic.time_zone)
    plan = AftercarePlan.model_validate(treatment.aftercare)
    with translation.override(lang):
        checkins = [_day(item.due_at.astimezone(zone), lang) for item in treatment.schedule.all()]
        treated_on = _day(treatment.performed_at.astimezone(zone), lang)
        titles = [str(title) for title in WINDOW_TITLES]
        products = [
            (use.batch.product.name, use.batch.lot_number, _volume(use.volume_ml, lang))
            for use in treatment.products.select_related("batch__product")
        ]
    return Sheet(
        lang=lang,
        clinic=clinic.name,
        clinic_phone=clinic.phone,
        emergency_number=clinic.emergency_number,
        treated_on=treated_on,
        areas=list(treatment.areas),
        products=products,
        windows=list(zip(titles, _windows(plan, treatment, lang), strict=True)),
        checkins=checkins,
        warnings=list(dict.fromkeys(getattr(flag.watch_for, lang) for flag in kb.triage.red_flags)),
        link=link,
        qr=segno.make(link, error="m").svg_data_uri(scale=4, border=2),
    )


def _day(moment: datetime, lang: str) -> str:
    """'5 December 2026', or '٥ ديسمبر ٢٠٢٦' as the Arabic pages write dates."""
    text = formats.date_format(moment, "j F Y")
    return arabic_digits(text) if lang == Lang.AR else text


def _volume(millilitres: Decimal, lang: str) -> str:
    """Decimal('1.50') -> '1.5 mL', or '١٫٥ مل' in the patient's Arabic-Indic digits on an Arabic sheet."""
    amount = f"{millilitres.normalize():f}"
    return gettext("%(volume)s mL") % {"volume": arabic_digits(amount) if lang == Lang.AR else amount}


def _windows(plan: AftercarePlan, treatment: Treatment, lang: Lang) -> list[list[Step]]:
    """Each plan item under every window it is active in (its hours counted from the session)."""
    start = treatment.performed_at
    found: list[list[Step]] = [[] for _ in WINDOWS]
    for item in plan.items:
        begins = (item.starts_at - start).total_seconds() / 3600
        ends = (item.ends_at - start).total_seconds() / 3600
        for column, (low, high) in zip(found, WINDOWS, strict=True):
            if begins < (high if high is not None else float("inf")) and ends > low:
                column.append(Step(item.title[lang], item.text[lang]))
    return found


def html(sheet: Sheet) -> str:
    template = engines["django"].from_string(TEMPLATE.read_text(encoding="utf-8"))
    with translation.override(sheet.lang):
        return template.render(_context(sheet))


def _context(sheet: Sheet) -> dict[str, Any]:
    rtl = sheet.lang == Lang.AR
    return {
        "sheet": sheet,
        "rtl": rtl,
        "comma": "، " if rtl else ", ",
        "areas": [latin_isolated(area) for area in sheet.areas],
        "products": [(latin_isolated(name), lot, latin_isolated(ml)) for name, lot, ml in sheet.products],
    }


def latin_isolated(text: str) -> SafeString:
    """'الوجه (Face 2)' -> 'الوجه <span dir="ltr" class="ltr">(Face 2)</span>', escaped: each Latin run in
    a left-to-right span, and the Arabic left to the page's direction. WeasyPrint has no dir="auto" and
    reorders the numbers of a wrapped Arabic line unless its Latin runs are in spans of their own, while an
    Arabic text in such a span reads left to right."""
    shown, end = [], 0
    for run in _LATIN_RUN.finditer(text):
        shown += [
            escape(text[end : run.start()]),
            format_html('<span dir="ltr" class="ltr">{}</span>', run[0]),
        ]
        end = run.end()
    shown.append(escape(text[end:]))
    return mark_safe("".join(shown))  # each part escaped above


def pdf(sheet: Sheet) -> bytes:
    return _render(html(sheet))


def cached_pdf(sheet: Sheet) -> bytes:
    """The sheet's PDF, made once (about a second of CPU) and then taken from Django's cache. The key hashes
    the HTML, which holds everything the PDF shows (treatment, products, dates, clinic, language, the
    knowledge base's texts, the link), and WeasyPrint's version: a change to any of them is a new entry. The
    cache is in memory, never on disk: the sheet carries the link's token, which is stored only hashed."""
    source = html(sheet)
    key = "sheet-pdf:" + sha256(f"{weasyprint.__version__}\n{source}".encode()).hexdigest()
    document = cache.get(key)
    if not isinstance(document, bytes):
        document = _render(source)
        cache.set(key, document, CACHE_S)
    return document


def _render(source: str) -> bytes:
    document: bytes = HTML(string=source, url_fetcher=QrOnlyFetcher()).write_pdf()
    return document


class QrOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
    """Refuses every URL but the QR code's data URI: the sheet loads no font, image or style sheet by URL,
    and must never read a local file (file://) or call a server (http://) because of what a page holds.
    WeasyPrint logs a refused URL and renders without it."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if not url.startswith(QR_PREFIX):
            raise ValueError(f"The aftercare sheet loads nothing by URL: {url[:80]}")
        return super().fetch(url, headers)
