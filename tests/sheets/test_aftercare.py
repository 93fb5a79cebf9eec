"""The printed aftercare sheet: rendered to PDF, then to PNG (pdftoppm), and its text (pdftotext) compared
with what it should say, in English and in Arabic (right to left; phone numbers not reordered)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from mesosafe.knowledge import load
from mesosafe.patients.models import Patient
from mesosafe.sheets import aftercare
from mesosafe.sheets.aftercare import Sheet, build, cached_pdf, html, pdf
from tests.service_fixtures import Site

DOCS = Path(__file__).parents[2] / "docs"
LINK = "https://clinic.example/p/Xk3v9Q-demo-token-not-real/"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) is not installed: .ci/run installs it",
)


@pytest.fixture
def sheet_for(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> Callable[[str], Sheet]:
    def make(lang: str) -> Sheet:
        site.clinic.phone = "+971 4 334 5566"
        site.clinic.save()
        patient = make_patient(site, lang=lang)
        treatment, _ = make_treatment(site, patient, days_ago=0)
        return build(treatment, LINK, load())

    return make


def _text(document: bytes, tmp_path: Path) -> str:
    (tmp_path / "sheet.pdf").write_bytes(document)
    run = subprocess.run(["pdftotext", str(tmp_path / "sheet.pdf"), "-"], capture_output=True, check=True)
    return run.stdout.decode()


def _pages(document: bytes, tmp_path: Path, name: str, dpi: int = 60) -> list[Path]:
    (tmp_path / "sheet.pdf").write_bytes(document)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(tmp_path / "sheet.pdf"), str(tmp_path / name)], check=True
    )
    return sorted(tmp_path.glob(f"{name}*.png"))


# Arabic short vowels (harakat) and the bidi controls pdftotext writes around runs: a text extractor places
# the vowels inconsistently, and the words are the same without them.
_MARKS = re.compile("[\u064b-\u0652\u0670\u200e\u200f\u202a-\u202e]")


def _words(text: str) -> list[str]:
    return re.findall(r"\d+|[^\W\d]+", _MARKS.sub("", text))


def _squash(text: str) -> str:
    """The text without vowel marks, bidi controls and white space (pdftotext breaks lines where the sheet
    does, and spaces a number apart from its Arabic word differently)."""
    return re.sub(r"\s+", "", _MARKS.sub("", text))


def test_the_sheet_says_what_it_should(sheet_for: Callable[[str], Sheet]) -> None:
    sheet = sheet_for("en")
    kb = load()
    assert sheet.checkins and len(sheet.checkins) == len(kb.aftercare.checkins.days)
    assert [title for title, _ in sheet.windows] == [
        "Now (the first 24 hours)",
        "After 24 hours",
        "After 48 hours",
    ]
    now, after_24, after_48 = (steps for _, steps in sheet.windows)
    assert "Cold compress" in [s.title for s in now] and "Cold compress" in [s.title for s in after_24]
    assert "Cold compress" not in [s.title for s in after_48]  # it lasts 48 hours in the knowledge base
    assert len(sheet.warnings) == len({f.watch_for.en for f in kb.triage.red_flags})


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_pdf_text_is_the_intended_text(
    sheet_for: Callable[[str], Sheet], tmp_path: Path, lang: str
) -> None:
    sheet = sheet_for(lang)
    document = pdf(sheet)
    assert document.startswith(b"%PDF")
    text = _text(document, tmp_path)
    pages = _pages(document, tmp_path, f"aftercare-{lang}")
    assert 1 <= len(pages) <= 2
    # Numbers read out or dialled come out whole and in order, on an Arabic sheet too.
    for number in ("+971 4 334 5566", sheet.emergency_number, sheet.products[0][1]):
        assert number in text
    intended = [
        sheet.clinic,
        sheet.treated_on,
        *sheet.checkins,
        *sheet.warnings,
        *(title for title, _ in sheet.windows),
        *(step.text for _, s in sheet.windows for step in s),
    ]
    if lang == "en":  # each text whole and in order
        found = _squash(text)
        assert [line for line in intended if _squash(line) not in found] == []
    else:  # pdftotext puts a line's vowel marks on lines of their own and mis-sorts the lines around them,
        # and spaces a mark apart from its word, so for Arabic each word of each text must be there (the
        # numbers above are checked whole)
        found = _squash(text)
        assert [word for line in intended for word in _words(line) if word not in found] == []


def test_arabic_is_right_to_left_with_latin_runs_isolated(sheet_for: Callable[[str], Sheet]) -> None:
    page = html(sheet_for("ar"))
    assert '<html lang="ar" dir="rtl">' in page and "Noto Naskh Arabic" in page
    assert '<span dir="ltr" class="ltr big">+971 4 334 5566</span>' in page


@needs_poppler
def test_docs_pngs_are_this_sheet(sheet_for: Callable[[str], Sheet], tmp_path: Path) -> None:
    """Regenerate docs/aftercare-sheet-{en,ar}.png with MESOSAFE_WRITE_DOCS=1; otherwise they must exist."""
    import os

    for lang in ("en", "ar"):
        first = _pages(pdf(sheet_for(lang)), tmp_path, f"docs-{lang}", dpi=90)[0]
        target = DOCS / f"aftercare-sheet-{lang}.png"
        if os.environ.get("MESOSAFE_WRITE_DOCS") == "1":
            shutil.copy(first, target)
        assert target.exists()


def test_the_cached_pdf_is_made_once_per_content(
    sheet_for: Callable[[str], Sheet], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same sheet, same bytes from the cache; any change to what it shows (the link, the knowledge base's
    warning signs, the language) is a new PDF."""
    sheet = sheet_for("en")
    made: list[str] = []
    monkeypatch.setattr(
        aftercare, "_render", lambda source: made.append(source) or b"%PDF " + source.encode()
    )
    cache.clear()
    assert cached_pdf(sheet) == cached_pdf(sheet) and len(made) == 1
    for changed in (
        replace(sheet, link=LINK + "other/"),
        replace(sheet, warnings=[*sheet.warnings, "A new sign"]),
        replace(sheet, lang="ar"),
    ):
        assert cached_pdf(changed) != cached_pdf(sheet)
    assert len(made) == 4


def test_the_emergency_number_comes_before_the_clinics(sheet_for: Callable[[str], Sheet]) -> None:
    """As on the patient's result pages: the emergency call first, then the clinic."""
    for lang in ("en", "ar"):
        page = html(sheet_for(lang))
        emergency = page.index('<span dir="ltr" class="ltr big">998</span>')
        assert emergency < page.index('<span dir="ltr" class="ltr big">+971 4 334 5566</span>')


def test_the_product_line_is_written_in_the_sheets_language(sheet_for: Callable[[str], Sheet]) -> None:
    """The Arabic comma and the patient's Arabic-Indic digits for the volume (1.50 ml in the fixture); the lot
    number as written, left to right."""
    english, arabic = html(sheet_for("en")), html(sheet_for("ar"))
    lot = '<span dir="ltr" class="ltr">LOT-[0-9-]+</span>'
    assert re.search(lot + ', <span class="nowrap"><span dir="ltr" class="ltr">1.5 mL</span></span>', english)
    assert re.search(lot + '، <span class="nowrap">١٫٥ ', arabic)
    assert "1.50" not in arabic and "1.5 mL" not in arabic


def test_only_latin_runs_of_an_area_are_left_to_right(sheet_for: Callable[[str], Sheet]) -> None:
    """An Arabic area typed by staff reads right to left on the Arabic sheet; a Latin one is isolated."""
    sheet = replace(sheet_for("ar"), areas=["الوجه، الرقبة", "face", "الوجه (Face 2)"])
    page = html(sheet)
    assert (
        "<td>الوجه، الرقبة، "
        '<span dir="ltr" class="ltr">face</span>، '
        'الوجه <span dir="ltr" class="ltr">(Face 2)</span></td>'
    ) in page


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Vitamin C 20%", '<span dir="ltr" class="ltr">Vitamin C 20%</span>'),
        ("الوجه - Face", 'الوجه - <span dir="ltr" class="ltr">Face</span>'),
        ("١٫٥ مل", "١٫٥ مل"),
        ("١٫٥ mL", '١٫٥ <span dir="ltr" class="ltr">mL</span>'),
        ("<i>x</i> & y", '&lt;<span dir="ltr" class="ltr">i&gt;x&lt;/i&gt; &amp; y</span>'),
        ("", ""),
    ],
)
def test_latin_runs_are_isolated_and_arabic_is_not(text: str, shown: str) -> None:
    assert aftercare.latin_isolated(text) == shown


@needs_poppler
def test_an_arabic_area_reads_right_to_left_in_the_pdf(
    sheet_for: Callable[[str], Sheet], tmp_path: Path
) -> None:
    """The area "3 مناطق" (3 areas) forced left to right came out as "مناطق 3": the number after the word."""
    sheet = replace(sheet_for("ar"), areas=["3 مناطق", "الوجه، الرقبة"])
    text = _squash(_text(pdf(sheet), tmp_path))
    assert "3مناطق" in text and "الوجه،الرقبة" in text


@needs_poppler
def test_the_sheet_reads_no_file_by_url(
    sheet_for: Callable[[str], Sheet], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file:// URL in the HTML is refused, never read; the QR code's data URI still loads."""
    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "LEAKED" }')
    page = html(sheet_for("en")).replace(
        "</head>", f'<link rel="stylesheet" href="{secret.as_uri()}"></head>'
    )
    with caplog.at_level("WARNING", logger="weasyprint"):
        document = aftercare._render(page)
    assert "LEAKED" not in _text(document, tmp_path)
    assert [secret.as_uri() in r.getMessage() for r in caplog.records] == [True]  # nothing else refused


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.com/font.woff2", "data:text/css,"],
)
def test_the_fetcher_refuses_every_url_but_the_qr_code(url: str, sheet_for: Callable[[str], Sheet]) -> None:
    fetcher = aftercare.QrOnlyFetcher()
    with pytest.raises(ValueError, match="loads nothing by URL"):
        fetcher.fetch(url)
    assert fetcher.fetch(sheet_for("en").qr).read().startswith(b"<svg")
