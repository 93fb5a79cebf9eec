"""NUL characters are refused before PostgreSQL sees them, naming where they were."""

from __future__ import annotations

from typing import Any

from django.test import Client

from mesosafe.lib.nul import find_nul
from tests.service_fixtures import API, Site


def test_find_nul_names_the_first_field_holding_one() -> None:
    body = {"name": "Amal", "symptoms": [{"code": "pain"}, {"code": "pa\x00in"}], "note": "x\x00"}
    assert find_nul(body) == "symptoms[1].code"
    assert find_nul({"a\x00b": 1}) == "ab"
    assert find_nul("\x00") == "(body)"
    assert find_nul({"name": "Amal", "ages": [1, 2.5, None, True]}) is None


def test_find_nul_walks_deeper_than_python_recurses() -> None:
    body: Any = "x\x00"
    for _ in range(50_000):
        body = [body]
    assert find_nul(body) == "[0]" * 50_000


def test_a_nul_in_the_query_is_a_problem_on_the_api_and_the_not_found_page_elsewhere(
    client: Client, site: Site
) -> None:
    api = client.get(f"{API}/patients", {"limit": "1\x00"}, **site.headers())
    assert api.status_code == 422 and api["Content-Type"] == "application/problem+json"
    assert api.json()["errors"][0]["field"] == "limit"
    page = client.get("/clinic/patients/", {"q": "\x00"})
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
