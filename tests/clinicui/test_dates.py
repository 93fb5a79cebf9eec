"""Dates on the clinic pages name the month ("3 Dec 2026"): no "12/03/2026", which reads both ways."""

from __future__ import annotations

import re
from pathlib import Path

import mesosafe.clinicui

TEMPLATES = Path(mesosafe.clinicui.__file__).parent / "templates" / "clinicui"
DATE_FILTER = re.compile(r"\|date(?::\s*(\"[^\"]*\"|'[^']*'))?")
MONTH_NAMED = set(
    "MNFEb"
)  # month as a word: abbreviated, AP style, full, alternative, lowercase abbreviation


def test_every_date_names_its_month() -> None:
    found = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for match in DATE_FILTER.finditer(path.read_text()):
            fmt = (match.group(1) or '""')[1:-1]
            found.append((path.name, fmt))
            assert fmt and "FORMAT" not in fmt, (path.name, match.group(0))  # settings formats are numeric
            if set(fmt) & set("djYy"):
                assert set(fmt) & MONTH_NAMED, (path.name, fmt)
    assert len(found) >= 10
