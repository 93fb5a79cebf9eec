"""A database that cannot be reached answers 503 with Retry-After (problem+json on the API, a plain page
for the pages), never 500: the outage is made by cutting the connections of a TCP proxy between this
process and PostgreSQL (bench/tcpproxy.py), not by stopping the shared server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from bench.tcpproxy import TcpProxy
from django.db import close_old_connections, connection
from django.test import Client

from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers, on_postgres

PROXY_PORT = 8310  # this worktree's range
BRUISING = {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}]}


@pytest.fixture
def proxy(transactional_db: Any) -> Iterator[TcpProxy]:
    """The test database reached through a proxy from here on; the direct connection back afterwards."""
    if not on_postgres():
        pytest.skip("a connection to cut: PostgreSQL")
    settings = connection.settings_dict
    direct = settings["HOST"], settings["PORT"]
    relay = TcpProxy((direct[0] or "127.0.0.1", int(direct[1] or 5432)), PROXY_PORT)
    connection.close()
    settings["HOST"], settings["PORT"] = "127.0.0.1", str(relay.port)
    try:
        yield relay
    finally:
        relay.close()
        connection.close()
        settings["HOST"], settings["PORT"] = direct


def _checkin(client: Client, token: str, key: str) -> Any:
    close_old_connections()  # as a server does at each request's start (the test client does not)
    headers = link_headers(token, HTTP_IDEMPOTENCY_KEY=key)
    return client.post(f"{API}/patient/checkins", BRUISING, content_type="application/json", **headers)


def test_an_outage_is_a_503_with_retry_after_and_the_retry_is_stored(
    proxy: TcpProxy, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site), days_ago=2)
    client = Client(raise_request_exception=False)
    assert _checkin(client, token, "before").status_code == 201
    assert proxy.cut() >= 1  # the connection the request above kept is cut under it
    for key in ("cut", "down"):  # a kept connection that breaks; then no connection at all
        response = _checkin(client, token, key)
        assert response.status_code == 503, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert int(response["Retry-After"]) > 0
        assert response.json()["status"] == 503 and "database" in response.json()["detail"]
    close_old_connections()
    page = client.get(f"/p/{token}/")
    assert page.status_code == 503 and int(page["Retry-After"]) > 0
    assert page["Content-Type"].startswith("text/html") and "يُرجى" in page.content.decode()
    assert "Service unavailable" in page.content.decode() and 'dir="rtl"' in page.content.decode()
    proxy.restore()
    assert _checkin(client, token, "down").status_code == 201  # the retry the 503 asked for
    close_old_connections()
    assert client.get(f"/p/{token}/").status_code == 200


def test_other_errors_stay_500(
    proxy: TcpProxy, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Only an unreachable database is a 503: a broken query is a 500 as before."""
    _, token = make_treatment(site, make_patient(site), days_ago=2)
    client = Client(raise_request_exception=False)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE checkins_checkin RENAME TO checkins_checkin_away")
    try:
        response = _checkin(client, token, "k")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE checkins_checkin_away RENAME TO checkins_checkin")
    assert response.status_code == 500 and "Retry-After" not in response
