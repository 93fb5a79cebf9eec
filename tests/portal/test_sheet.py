"""The aftercare page offers the printed sheet; the sheet is a PDF, in the page's language."""

from __future__ import annotations

from typing import Any

import pytest
import weasyprint
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests.pages_fixtures import Case


def test_the_aftercare_page_links_the_sheet(client: Client, case: Case) -> None:
    page = client.get(case.url("aftercare/")).content.decode()
    assert case.url("aftercare.pdf") in page
    response = client.get(case.url("aftercare.pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response["Cache-Control"] == "private, no-store"


def test_a_wrong_token_gets_no_sheet(client: Client, db: None) -> None:
    assert client.get("/p/not-a-real-token-0000000000000000000000000/aftercare.pdf").status_code == 404


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every PDF WeasyPrint makes (the costly step: about a second of CPU each), from an empty cache."""
    cache.clear()
    made: list[str] = []
    write_pdf = weasyprint.HTML.write_pdf

    def counting(self: weasyprint.HTML, *args: Any, **kwargs: Any) -> Any:
        made.append("pdf")
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)
    return made


def test_a_repeated_sheet_is_made_once(client: Client, case: Case, renders: list[str]) -> None:
    first, again = (client.get(case.url("aftercare.pdf")) for _ in range(2))
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert renders == ["pdf"]
    client.cookies["django_language"] = "ar"  # another language is another sheet
    arabic = client.get(case.url("aftercare.pdf"))
    assert arabic.status_code == 200 and arabic.content != first.content and len(renders) == 2


def test_a_link_gets_few_sheets_a_minute(client: Client, make_case: Any, renders: list[str]) -> None:
    """A sheet costs far more than a page: its own limit, far below the pages' 180 a minute, answered with
    the patient's 429 page in their language; another link is not affected."""
    case = make_case(lang="ar")
    limit = getattr(settings, "MESOSAFE_SHEET_RATE", 4)
    assert all(client.get(case.url("aftercare.pdf")).status_code == 200 for _ in range(limit))
    refused = client.get(case.url("aftercare.pdf"))
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert "طلبات كثيرة جدًا" in refused.content.decode() and "998" in refused.content.decode()
    assert client.get(make_case(name="Other").url("aftercare.pdf")).status_code == 200
