"""The pages' middleware runs for the pages only: the API skips it, the pages keep CSRF, sessions and
framing protection."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.service_fixtures import API, Site


def test_the_api_skips_the_pages_middleware(client: Client, site: Site) -> None:
    response = client.get(f"{API}/patients", **site.headers())
    assert response.status_code == 200
    assert "X-Frame-Options" not in response and "Cookie" not in response.get("Vary", "")
    assert response.cookies == {}


def test_the_pages_keep_csrf_sessions_and_framing(db: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    page = strict.get("/clinic/login/")
    assert page.status_code == 200 and page["X-Frame-Options"] == "DENY" and "csrftoken" in page.cookies
    assert strict.post("/clinic/login/", {"username": "a", "password": "b"}).status_code == 403
    assert strict.get("/clinic/").status_code == 302  # login required: the auth middleware ran
