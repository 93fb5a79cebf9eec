"""HEAD is answered as GET without the body (RFC 9110 §9.3.2): same status, headers, authentication,
tenancy, audit and rate limit."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.core.handlers.base import BaseHandler
from django.http.response import HttpResponseBase
from django.test import Client, RequestFactory, override_settings

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins.models import Photo
from mesosafe.checkins.services import submit
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers


def _body(response: HttpResponseBase) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined,no-any-return]


def _same_but_the_body(client: Client, url: str, headers: dict[str, str]) -> HttpResponseBase:
    got = client.get(url, **headers)
    head = client.head(url, **headers)
    assert head.status_code == got.status_code, (url, head.status_code, got.content[:300])
    assert dict(head.headers) == dict(got.headers), url
    assert _body(head) == b""
    return head


def test_head_answers_as_get_on_staff_and_patient_routes(
    client: Client,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    site, other = make_site(), make_site()
    patient = make_patient(site)
    treatment, token = make_treatment(site, patient)
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    photo = Photo.objects.create(checkin=checkin, image=ContentFile(b"\x89PNG\r\n", name="p.png"))
    staff = [
        f"/patients/{patient.id}",
        "/patients?limit=1",
        f"/treatments/{treatment.id}",
        "/review-queue",
        f"/checkins/{checkin.id}/photos/{photo.id}",
        f"/patients/{patient.id}/fhir",
    ]
    for path in staff:
        assert _same_but_the_body(client, f"{API}{path}", site.headers()).status_code == 200, path
        # another clinic's staff, and nobody: as GET answers them
        assert _same_but_the_body(client, f"{API}{path}", other.headers()).status_code in (200, 404), path
        assert _same_but_the_body(client, f"{API}{path}", {}).status_code == 401, path
    for path in ("/patient/me", "/patient/aftercare.ics"):
        assert _same_but_the_body(client, f"{API}{path}", link_headers(token)).status_code == 200, path
        assert _same_but_the_body(client, f"{API}{path}", link_headers("no-such-token")).status_code == 404
    assert _same_but_the_body(client, f"{API}/openapi.json", {}).status_code == 200


def test_every_get_operation_takes_head(client: Client, site: Site) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    gets = [template for template, operations in paths.items() if "get" in operations]
    assert len(gets) > 20
    for template in gets:
        url = re.sub(r"\{[^}]+\}", "1", template)
        assert _same_but_the_body(client, url, site.headers()).status_code != 405, url


def test_the_app_itself_sends_no_body_on_head(site: Site, make_patient: Callable[..., Patient]) -> None:
    """The test client, gunicorn and runserver drop a HEAD's body; the API does not rely on them."""
    handler = BaseHandler()
    handler.load_middleware()
    patient = make_patient(site)
    for path, status in (
        (f"/patients/{patient.id}", 200),
        ("/patients/0", 404),
        ("/checkins/1/acknowledge", 405),
    ):
        request = RequestFactory().head(f"{API}{path}", **site.headers())
        response = handler.get_response(request)
        assert response.status_code == status, path
        assert _body(response) == b"", path


def test_head_is_audited_as_get(client: Client, site: Site, make_patient: Callable[..., Patient]) -> None:
    patient = make_patient(site)

    def read_events() -> list[tuple[Any, ...]]:
        events = AuditEvent.objects.filter(patient_id=patient.id).order_by("id")
        return list(events.values_list("action", "object_type", "object_id", "user_id", "actor"))

    client.get(f"{API}/patients/{patient.id}", **site.headers())
    by_get = read_events()
    client.head(f"{API}/patients/{patient.id}", **site.headers())
    assert by_get and read_events() == by_get * 2
    # the method column tells them apart: the request's own method, not the GET it was answered as
    methods = AuditEvent.objects.filter(patient_id=patient.id).order_by("id").values_list("method", flat=True)
    assert list(methods) == ["GET"] * len(by_get) + ["HEAD"] * len(by_get)


@override_settings(MESOSAFE_PATIENT_RATE=3)
def test_head_counts_against_the_link_rate_limit(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site))
    url = f"{API}/patient/me"
    statuses = [client.head(url, **link_headers(token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = client.head(url, **link_headers(token))
    assert limited.status_code == 429 and limited["Retry-After"] and _body(limited) == b""
    assert client.get(url, **link_headers(token)).status_code == 429


def test_allow_lists_head_wherever_it_lists_get(client: Client, site: Site) -> None:
    cases = [
        ("delete", "/patients", "GET, HEAD, POST"),
        ("post", "/patient/me", "GET, HEAD"),
        ("put", "/checkins/1", "GET, HEAD"),
        ("get", "/checkins/1/acknowledge", "POST"),
        ("head", "/checkins/1/acknowledge", "POST"),
    ]
    for method, path, allowed in cases:
        response = getattr(client, method)(f"{API}{path}", **site.headers())
        assert response.status_code == 405, (method, path, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert response["Allow"] == allowed, (method, path)
        if method != "head":
            assert response.json()["detail"] == f"{method.upper()} is not allowed here: use {allowed}"
