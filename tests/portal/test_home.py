from __future__ import annotations

from django.test import Client

from tests.pages_fixtures import Case


def test_home_shows_next_checkin_and_links(case: Case, client: Client) -> None:
    page = client.get(case.url()).content.decode()
    assert "Hello <bdi>Amal</bdi>" in page
    assert "Next check-in" in page and "Due " in page
    assert f'href="/p/{case.token}/checkin/"' in page
    assert 'href="tel:998"' in page  # the emergency number is on every patient page


def test_home_links_the_latest_checkin(case: Case, client: Client) -> None:
    stored = case.checkin([{"code": "redness"}])
    page = client.get(case.url()).content.decode()
    assert f"/p/{case.token}/checkin/{stored.id}/" in page
