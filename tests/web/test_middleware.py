"""The pages' middleware runs for the pages only: the API skips it, the pages keep CSRF, sessions and
framing protection. Whoever built a response, a HEAD's leaves without its body."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.handlers.base import BaseHandler
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client, RequestFactory
from django.urls import include, path

from mesosafe.lib.bodylimit import MAX_BODY_BYTES
from mesosafe.web.middleware import NoStoreUnderApiAndLinks
from mesosafe.web.urls import urlpatterns as site_urlpatterns
from tests.pages_fixtures import build_case, build_site
from tests.service_fixtures import API, Site


def _database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")  # what dbdown.unreachable reads as an outage on SQLite


# The site's URLs and one whose database is down, for the 503 page (@pytest.mark.urls below).
urlpatterns = [path("database-down/", _database_down), path("", include(site_urlpatterns))]
handler404 = "mesosafe.web.views.not_found"
handler500 = "mesosafe.web.views.server_error"
TOO_LARGE = {"CONTENT_LENGTH": str(MAX_BODY_BYTES + 1)}


def test_the_api_skips_the_pages_middleware(client: Client, site: Site) -> None:
    response = client.get(f"{API}/patients", **site.headers())
    assert response.status_code == 200
    assert "X-Frame-Options" not in response and "Cookie" not in response.get("Vary", "")
    assert response.cookies == {}


def test_the_api_answers_only_its_allowed_hosts(client: Client, site: Site) -> None:
    """The pages refused a Host outside ALLOWED_HOSTS (CommonMiddleware asks for it); the API answered it."""
    refused = client.get(f"{API}/patients", HTTP_HOST="evil.example", **site.headers())
    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert "Host" in refused.json()["detail"]
    assert client.get(f"{API}/patients", **site.headers()).status_code == 200


def test_the_pages_keep_csrf_sessions_and_framing(db: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    page = strict.get("/clinic/login/")
    assert page.status_code == 200 and page["X-Frame-Options"] == "DENY" and "csrftoken" in page.cookies
    assert strict.post("/clinic/login/", {"username": "a", "password": "b"}).status_code == 403
    assert strict.get("/clinic/").status_code == 302  # login required: the auth middleware ran


def _answer(method: str, url: str, **extra: str) -> HttpResponseBase:
    """The app's own answer, as a server gets it (Django's test client drops a HEAD's body itself)."""
    handler = BaseHandler()
    handler.load_middleware()
    return handler.get_response(getattr(RequestFactory(), method)(url, **extra))


@pytest.mark.urls("tests.web.test_middleware")
@pytest.mark.parametrize(
    ("url", "extra", "status"),
    [
        ("/clinic/%00", {}, 400),  # RefuseNul, a page's path
        (f"{API}/patients?q=%00", {}, 401),  # the API judges its query once the client is authenticated
        ("/clinic/?page=%00", {}, 400),  # RefuseNul, a page's query
        ("/clinic/login/", TOO_LARGE, 413),  # LimitBody
        (f"{API}/patients", TOO_LARGE, 413),
        ("/database-down/", {}, 503),  # the server_error handler
    ],
)
def test_a_refusal_of_a_head_has_gets_status_and_headers_and_no_body(
    db: Any, url: str, extra: dict[str, str], status: int
) -> None:
    got, head = _answer("get", url, **extra), _answer("head", url, **extra)
    assert head.status_code == got.status_code == status
    assert dict(head.headers) == dict(got.headers)
    assert got.content and head.content == b""  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"{API}/nonexistent", 404),  # no route
        ("/api//v1/patients", 404),
        (f"{API}/patients/1?x=%00", 401),  # the query is judged after authentication
        ("/p/{token}/checkin/99999/", 404),  # the 404 page holds the token (the language form's next)
        ("/P/{token}/", 404),
    ],
)
def test_every_answer_under_the_api_and_a_link_is_private_no_store(db: Any, url: str, status: int) -> None:
    case = build_case(build_site("Clinic A", "alice", "LOT-A-001"))
    response = Client().get(url.replace("{token}", case.token))
    assert response.status_code == status
    assert response["Cache-Control"] == "private, no-store"


def test_an_answer_that_chose_its_cache_control_keeps_it() -> None:
    def cached(request: HttpRequest) -> HttpResponse:
        return HttpResponse(headers={"Cache-Control": "max-age=60"})

    response = NoStoreUnderApiAndLinks(cached)(RequestFactory().get("/p/x/"))
    assert response["Cache-Control"] == "max-age=60"
