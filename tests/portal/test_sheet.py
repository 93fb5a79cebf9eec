"""The aftercare page offers the printed sheet; the sheet is a PDF, in the page's language."""

from __future__ import annotations

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
