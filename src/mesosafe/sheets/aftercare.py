"""The printed aftercare sheet: the treatment, the timed aftercare (now, after 24 h, after 48 h), the
check-in dates, the warning signs with the clinic's and the emergency number, and a QR code of the
patient's private link. One or two A4 pages, English or Arabic (right to left, Noto Naskh Arabic).

The link exists only when it is issued or reissued (it is stored hashed), so the caller passes it in.
Numbers a patient dials or reads out (phone numbers, lot numbers, the link) are isolated in
`<span dir="ltr">` so the Arabic layout does not reorder them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
import weasyprint
from django.core.cache import cache
from django.template import engines
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _
from weasyprint import HTML

from mesosafe.engines.results import AftercarePlan
from mesosafe.knowledge import KnowledgeBase, Lang
from mesosafe.lib.numbers import arabic_digits
from mesosafe.treatments.models import Treatment

TEMPLATE = Path(__file__).parent / "templates" / "aftercare.html"
WINDOWS = ((0, 24), (24, 48), (48, None))  # the sheet's three columns, in hours after the session
WINDOW_TITLES = (_("Now (the first 24 hours)"), _("After 24 hours"), _("After 48 hours"))
CACHE_S = 24 * 3600


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
    return Sheet(
        lang=lang,
        clinic=clinic.name,
        clinic_phone=clinic.phone,
        emergency_number=clinic.emergency_number,
        treated_on=treated_on,
        areas=list(treatment.areas),
        products=[
            (use.batch.product.name, use.batch.lot_number, f"{use.volume_ml} mL")
            for use in treatment.products.select_related("batch__product")
        ],
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
        return template.render({"sheet": sheet, "rtl": sheet.lang == Lang.AR})


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
    document: bytes = HTML(string=source).write_pdf()
    return document
