"""The floors (bench/floor/) are served as the check-in is: under /api/, so the pages-only middleware skips
them too. Until 6 Dec 2026 they ran it, and the floor cost a quarter more instructions than it must."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import resolve

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins.models import CheckIn
from mesosafe.lib.problems import API_PREFIX

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def floor_urls() -> Iterator[str]:
    sys.path.insert(0, str(BENCH))
    try:
        yield "floor.urls"
    finally:
        sys.path.remove(str(BENCH))


def test_the_floors_are_api_paths(floor_urls: str) -> None:
    import floor
    from floor.checkin import floor_checkin
    from floor.views import floor as floor_view

    assert floor.FLOOR_PATH.startswith(API_PREFIX) and floor.MUST_PATH.startswith(API_PREFIX)
    assert resolve(floor.FLOOR_PATH, urlconf=floor_urls).func is floor_view
    assert resolve(floor.MUST_PATH, urlconf=floor_urls).func is floor_checkin


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["FLOOR_PATH", "MUST_PATH"])
def test_the_page_middleware_skips_the_floors(floor_urls: str, name: str) -> None:
    """None of the page middleware's marks (language, framing) on a floor's answer (an unknown token: 404)."""
    import floor

    with override_settings(ROOT_URLCONF=floor_urls):
        response = Client().post(getattr(floor, name), b"{}", content_type="application/json")
    assert response.status_code == 404
    assert "Content-Language" not in response and "X-Frame-Options" not in response


@pytest.mark.django_db
def test_the_check_ins_own_floor_stores_one_as_the_product_does(
    floor_urls: str, site: Any, make_patient: Any, make_treatment: Any
) -> None:
    """The own floor writes through the check-in store's own SQL (`store._STORED`, `store._audit_row`), so a
    change there must be followed here: in stop 33 `_audit_row` lost its time argument and every request of
    the own floor was a 500, which only the load runs would have shown."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the own floor writes the check-in store's PostgreSQL statement")
    import floor

    _, token = make_treatment(site, make_patient(site))
    body = {"symptoms": [{"code": "redness", "severity": "mild", "trend": "improving", "spreading": False}]}
    with override_settings(ROOT_URLCONF=floor_urls):
        response = Client().post(
            floor.MUST_PATH, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert response.status_code == 201, response.content
    stored = CheckIn.objects.get(pk=response.json()["id"])
    event = AuditEvent.objects.get(object_type="checkin", object_id=str(stored.id))
    assert stored.disposition == response.json()["disposition"] and event.at == stored.submitted_at
