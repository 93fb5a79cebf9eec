"""NUL characters are refused before PostgreSQL sees them, naming where they were."""

from __future__ import annotations

from typing import Any

import pytest
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


@pytest.mark.parametrize("value", ["1\x00", "\x01", "a\x7fb", "\x9b"])
def test_a_control_character_in_the_query_is_a_400_on_the_api_naming_the_parameter(
    client: Client, site: Site, value: str
) -> None:
    api = client.get(f"{API}/patients", {"limit": value}, **site.headers())
    assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
    message = "must not contain NUL or other control characters"
    assert api.json()["errors"] == [{"field": "limit", "message": message}]


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/p/some-token/?lang=%00", "lang"),  # answered before the link is looked up
        ("/clinic/?page=%00", "page"),  # before the login is asked for
        ("/clinic/?page=%01", "page"),
        ("/clinic/patients/?q=a%07", "q"),
        ("/clinic/recall/?lo%00t=1", "lot"),  # named without the character
    ],
)
def test_a_control_character_in_the_query_is_a_plain_400_page_naming_the_parameter(
    client: Client, url: str, named: str
) -> None:
    page = client.get(url)
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert f"<bdi>{named}</bdi>" in text and 'lang="ar" dir="rtl"' in text


def test_a_query_with_too_many_parameters_is_a_400_problem_on_the_api(client: Client, site: Site) -> None:
    """Django refuses a query of more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters when it is first read,
    here, before ninja: that was Django's bare HTML 400 page on the API, which answers problem+json."""
    many = "&".join(f"a{i}=1" for i in range(1001))
    api = client.get(f"{API}/patients?{many}", **site.headers())
    assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
    assert api.json()["errors"] == [{"field": "(query)", "message": "has more than 1000 parameters"}]
    assert client.get(f"/clinic/?{many}").status_code == 400  # Django's own page


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/patients%00",
        f"{API}/patients/1%01",
        f"{API}/patients%0A",
        f"{API}/patients/1%0D",
        f"{API}/patient/me%09",
    ],
)
def test_a_control_character_in_the_path_is_a_400_problem_naming_the_path(
    client: Client, site: Site, path: str
) -> None:
    """It was a 404, as if the address named nothing: the address cannot be read at all."""
    for headers in ({}, site.headers()):
        api = client.get(path, **headers)
        assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
        message = "must not contain NUL or other control characters"
        assert api.json()["errors"] == [{"field": "(path)", "message": message}]


def test_a_control_character_in_a_pages_path_is_a_plain_400_page_naming_it(client: Client) -> None:
    page = client.get("/clinic/pati%00ents/")
    text = page.content.decode()
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert "<bdi>/clinic/patients/</bdi>" in text and 'lang="ar" dir="rtl"' in text


@pytest.mark.parametrize("control", ["%0A", "%0D", "%09", "%0D%0A"])
def test_a_line_break_or_tab_in_a_pages_path_is_the_same_400(client: Client, control: str) -> None:
    """A line break or a tab is no less a control character in an address (no browser sends one: the URL
    standard strips them): they were let through to the URL patterns, a patient's link with one after its
    token a not-found page, where any other control character is this 400 naming the path."""
    page = client.get(f"/p/some-token{control}/checkin/")
    text = page.content.decode()
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert "<bdi>/p/some-token/checkin/</bdi>" in text and 'lang="ar" dir="rtl"' in text


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("HTTP_IDEMPOTENCY_KEY", "k\x00"),
        ("HTTP_IDEMPOTENCY_KEY", "k\x01"),
        ("HTTP_AUTHORIZATION", "Bearer a\x00b"),
        ("HTTP_AUTHORIZATION", "Bearer a\x7f"),
        ("HTTP_ACCEPT_LANGUAGE", "ar\x1b"),
    ],
)
def test_a_control_character_in_a_header_is_a_400_problem_naming_the_header(
    client: Client, site: Site, header: str, value: str
) -> None:
    """A NUL in a header was a 422, and another control character whatever the header's reader made of it
    (a 422 on Idempotency-Key, a 401 on Authorization): a 400 naming the header."""
    name = header.removeprefix("HTTP_").replace("_", "-").title()
    sent = {**site.headers(), header: value}
    api = client.post(f"{API}/patients", {}, content_type="application/json", **sent)
    assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
    message = "must not contain NUL or other control characters"
    assert api.json()["errors"] == [{"field": name, "message": message}]
    page = client.get("/clinic/", **{header: value})
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert f"<bdi>{name}</bdi>" in page.content.decode() and 'lang="ar" dir="rtl"' in page.content.decode()


def test_tab_and_text_beyond_ascii_in_a_header_are_let_through(client: Client, site: Site) -> None:
    """A WSGI server reads a header's bytes as Latin-1: UTF-8 text (a Referer, a cookie) shows bytes
    0x80-0x9F, which are no control characters there."""
    referer = "https://example.org/\u00c4\u0081"  # "ā" in UTF-8, as Latin-1
    sent = client.get(f"{API}/patients", HTTP_REFERER=referer, HTTP_USER_AGENT="a\tb", **site.headers())
    assert sent.status_code == 200


def test_tab_and_line_breaks_in_the_query_are_let_through(client: Client, site: Site) -> None:
    """A pasted search may carry them; they are no control characters to the text fields either."""
    assert client.get(f"{API}/patients", {"limit": "1"}, **site.headers()).status_code == 200
    assert client.get("/clinic/patients/", {"q": "a\tb\n"}).status_code == 302  # to the login
