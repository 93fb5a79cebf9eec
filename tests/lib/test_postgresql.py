"""The PostgreSQL backend (mesosafe.lib.postgresql): a connection that sat idle is checked before use, so a
database restart costs no request; one used moments ago is not, so a busy server pays no extra round trip."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, connections

from mesosafe.lib.postgresql.base import IDLE_CHECK_AFTER
from tests.service_fixtures import on_postgres

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="PostgreSQL only: scripts/test runs the service tests on it"
)


def _new_request() -> None:
    connection.close_if_unusable_or_obsolete()  # what Django does when a request starts


def _select_one() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _terminate(pid: int) -> None:
    """What a database restart does to the connection: the server ends it."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def _count_checks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    checks: list[bool] = []
    real = connection.is_usable

    def counted() -> bool:
        checks.append(result := real())
        return result

    monkeypatch.setattr(connection, "is_usable", counted)
    return checks


@pytest.mark.django_db(transaction=True)  # the connection is ended and replaced
def test_an_idle_connection_ended_by_a_restart_is_replaced_not_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _select_one()
    pid = connection.connection.info.backend_pid
    _terminate(pid)
    connection.last_used -= IDLE_CHECK_AFTER + 1  # then the server sat quiet
    checks = _count_checks(monkeypatch)

    _new_request()
    _select_one()  # Django's plain backend without health checks raises here

    assert checks == [False]
    assert connection.connection.info.backend_pid != pid


@pytest.mark.django_db(transaction=True)
def test_a_connection_used_moments_ago_is_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    _select_one()
    checks = _count_checks(monkeypatch)
    _new_request()
    _select_one()
    assert checks == []


def test_the_backend_is_in_use(settings: Any) -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "mesosafe.lib.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
