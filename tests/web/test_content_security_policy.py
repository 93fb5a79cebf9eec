"""Issue 14.9: every response carries a strict Content-Security-Policy (django-csp, settings.py), every page
of each kind answers with it and has no inline script, style or event handler it would refuse, and the API
docs load Swagger UI from this origin, never a CDN. tests/browser runs the pages under the policy."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Permission, User
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.web.urls import urlpatterns as site_urlpatterns
from tests.pages_fixtures import Case, build_case, build_site

SRC = Path(__file__).resolve().parents[2] / "src" / "mesosafe"
# The aftercare sheet's template is the source of a PDF (weasyprint), never served as a page.
NOT_PAGES = {SRC / "sheets" / "templates" / "aftercare.html"}
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def _database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")  # what dbdown.unreachable reads as an outage on SQLite


# The site's URLs and two that fail, for the 500 and 503 pages (@pytest.mark.urls below).
urlpatterns = [
    path("broken/", _broken),
    path("database-down/", _database_down),
    path("", include(site_urlpatterns)),
]
handler404 = "mesosafe.web.views.not_found"
handler500 = "mesosafe.web.views.server_error"


def directives(response: Any) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


class InlineCode(HTMLParser):
    """What the policy refuses in a page: script without src (a JSON data block is no script), <style>,
    style="" and on…="" attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name, _ in attrs if name == "style" or name.startswith("on")]


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_strict(response: Any, where: str) -> None:
    assert directives(response) == POLICY, where
    assert "unsafe" not in response.headers["Content-Security-Policy"], where
    if response.headers.get("Content-Type", "").startswith("text/html"):
        assert inline_code(response.content.decode()) == [], where


@pytest.fixture
def case(db: Any) -> Case:
    return build_case(build_site("Clinic A", "alice", "LOT-A-001"))


def test_patient_pages(case: Case) -> None:
    client = Client()
    stored = case.checkin([{"code": "bruising", "severity": "mild"}])
    for page in ("", "screening/", "aftercare/", "checkin/", f"checkin/{stored.id}/", "recovery/", "faq/"):
        response = client.get(case.url(page))
        assert response.status_code == 200, page
        assert_strict(response, page)


def test_clinic_pages(case: Case) -> None:
    anonymous = Client()
    assert_strict(anonymous.get("/clinic/login/"), "login")
    client = Client()
    client.force_login(case.site.user)
    stored = case.checkin([{"code": "pus"}])
    patient, treatment = case.patient.id, case.treatment.id
    complication = create(
        case.treatment,
        ComplicationIn(onset_date=timezone.localdate(), grade=1, relatedness="possibly"),
        by=case.site.user,
    ).id
    pages = [
        "",
        "today/",
        "patients/",
        "patients/new/",
        f"patients/{patient}/",
        f"patients/{patient}/edit/",
        f"patients/{patient}/treatments/new/",
        f"treatments/{treatment}/recorded/",
        f"treatments/{treatment}/complications/new/",
        f"complications/{complication}/edit/",
        f"checkins/{stored.id}/",
        "recall/",
        "products/",
    ]
    for page in pages:
        response = client.get("/clinic/" + page)
        assert response.status_code == 200, page
        assert_strict(response, page)
    issued = client.post(f"/clinic/treatments/{treatment}/link/", follow=True)  # the link and its QR code
    assert b"<svg" in issued.content
    assert_strict(issued, "link issued")


def test_registry_and_admin_pages(db: Any) -> None:
    analyst = User.objects.create_user("analyst")
    analyst.user_permissions.add(Permission.objects.get(codename="view_registry"))
    client = Client()
    client.force_login(analyst)
    response = client.get("/registry/")
    assert response.status_code == 200
    assert_strict(response, "registry")
    admin = Client()
    assert_strict(admin.get("/admin/login/"), "admin login")
    admin.force_login(User.objects.create_superuser("root", password="x" * 12))
    models = [(model._meta.app_label, model._meta.model_name) for model in django_admin.site._registry]
    pages = ["/admin/", *(f"/admin/{app}/{name}/" for app, name in models)]
    pages += [f"/admin/{app}/{name}/add/" for app, name in models]
    for page in pages:
        response = admin.get(page)
        assert response.status_code in (200, 403), page  # 403: a model the admin may not add to
        assert_strict(response, page)


def test_api_answers_and_docs(db: Any) -> None:
    client = Client()
    for url in ("/api/v1/openapi.json", "/api/v1/patients", "/healthz"):
        assert_strict(client.get(url), url)


def test_refusals_before_any_view(db: Any) -> None:
    """The middleware is outermost but for SecurityMiddleware: a body LimitBody refuses unread gets it too."""
    response = Client().post(
        "/api/v1/patient/checkins", b"{}", content_type="application/json", CONTENT_LENGTH=str(300 << 20)
    )
    assert response.status_code == 413
    assert_strict(response, "413")


def test_api_docs_load_nothing_from_elsewhere(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert_strict(response, "docs")
    html = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []  # no URL with a host: every asset is ours
    assert 'src="/static/ninja/swagger-ui-bundle.js"' in html
    assert 'href="/static/ninja/swagger-ui.css"' in html
    assert '"validatorUrl": null' in html  # no badge image from the public validator


@pytest.mark.urls(__name__)
def test_error_pages(db: Any) -> None:
    client = Client(raise_request_exception=False)
    pages = {"/p/no-such-link/": 404, "/clinic/nothing-here/": 404, "/broken/": 500, "/database-down/": 503}
    for url, status in pages.items():
        response = client.get(url)
        assert response.status_code == status, url
        assert_strict(response, url)
    for url in ("/broken/", "/database-down/"):  # plain pages, styled by their own static file
        assert b"/static/mesosafe/css/plain.css" in client.get(url).content


def test_form_expired_page(db: Any) -> None:
    """Django's own CSRF failure page has a <style>: ours is a page of the site."""
    response = Client(enforce_csrf_checks=True).post("/clinic/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert b"This form has expired" in response.content
    assert_strict(response, "csrf failure")


def test_report_documents_keep_their_own_policy() -> None:
    """The registry's report files (summary.html, funnel SVGs) are served with a policy of their own: their
    inline styles apply, and no script runs."""
    from mesosafe.registry.views import REPORT_DOCUMENT_POLICY

    policy = dict(part.strip().split(None, 1) for part in REPORT_DOCUMENT_POLICY.split(";"))
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    assert policy["frame-ancestors"] == "'none'"


def templates() -> list[Path]:
    return sorted(p for p in SRC.glob("*/templates/**/*.html") if p not in NOT_PAGES)


@pytest.mark.parametrize("template", templates(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_has_inline_code(template: Path) -> None:
    """Every template, including the fragments HTMX swaps in: what the policy would refuse is not there."""
    assert inline_code(template.read_text(encoding="utf-8")) == []


def test_the_scan_sees_inline_code() -> None:
    page = '<p style="color:red" onclick="go()"><script>x()</script><style>p{}</style>'
    assert inline_code(page) == ["p style=", "p onclick=", "<script> without src", "<style>"]
    assert inline_code('<script type="application/json">{}</script><script src="/a.js"></script>') == []
