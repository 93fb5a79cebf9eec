"""Deployment settings: the secret key file, SQLite WAL mode, DATABASE_URL, PostgreSQL's timeouts."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection, connections

from mesosafe.lib.dbdown import unreachable
from tests.service_fixtures import SilentServer, on_postgres

PRINT = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECRET_KEY); print(s.DATABASES['default']['ENGINE']); print(s.DATABASES['default']['NAME']); "
    "print(s.DEBUG)"
)


def _settings(tmp_path: Path, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("MESOSAFE_SECRET_KEY", "DATABASE_URL")}
    clean.update(
        DJANGO_SETTINGS_MODULE="mesosafe.web.settings", MESOSAFE_DATA_DIR=str(tmp_path / "data"), **env
    )
    out = subprocess.run([sys.executable, "-c", PRINT], env=clean, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_secret_key_is_generated_once_with_private_permissions(tmp_path: Path) -> None:
    first = _settings(tmp_path)
    second = _settings(tmp_path)
    key_file = tmp_path / "data" / "secret_key"
    assert first[0] == second[0] and len(first[0]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first[1] == "django.db.backends.sqlite3" and first[2] == str(
        tmp_path / "data" / "mesosafe.sqlite3"
    )
    assert first[3] == "False"


def test_environment_overrides(tmp_path: Path) -> None:
    lines = _settings(
        tmp_path, MESOSAFE_SECRET_KEY="k" * 50, DATABASE_URL="postgres://u@db.example:5432/clinic"
    )
    assert lines[0] == "k" * 50 and lines[1] == "mesosafe.lib.postgresql" and lines[2] == "clinic"
    assert not (tmp_path / "data" / "secret_key").exists()


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    if on_postgres():
        pytest.skip("SQLite only")
    from django.db.backends.sqlite3.base import DatabaseWrapper

    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "wal.sqlite3")})
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    wrapper.close()


def test_https_switch_passes_the_deployment_checks(tmp_path: Path) -> None:
    """MESOSAFE_HTTPS=1 turns on secure cookies, HSTS and the HTTPS redirect (the health checks excepted)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MESOSAFE_DEBUG")}
    env.update(MESOSAFE_DATA_DIR=str(tmp_path / "data"), MESOSAFE_HTTPS="1")
    checked = subprocess.run(
        [sys.executable, "-m", "mesosafe", "manage", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
    )
    for warning in ("W004", "W008", "W012", "W016"):  # HSTS, redirect, session and CSRF cookies
        assert f"security.{warning}" not in checked.stdout + checked.stderr


@pytest.mark.skipif(not on_postgres(), reason="PostgreSQL only: libpq's timeouts (SQLite has no server)")
def test_a_database_that_never_answers_is_unreachable_within_the_connect_timeout(
    silent_server: SilentServer, settings: Any, django_db_blocker: Any
) -> None:
    """Review: a database gone silent held request threads for 130 s before a 503 (libpq waits for ever)."""
    config = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": silent_server.port}
    assert config["OPTIONS"]["connect_timeout"] == settings.DB_CONNECT_TIMEOUT_S == 5
    silent = connections["default"].__class__(config, alias="silent")
    started = time.monotonic()
    with django_db_blocker.unblock(), pytest.raises(OperationalError) as caught:
        silent.ensure_connection()
    assert time.monotonic() - started < settings.DB_CONNECT_TIMEOUT_S + 3
    assert unreachable(caught.value)  # so the service answers 503 with Retry-After (lib/dbdown)


EMAIL_TIMEOUT = "import django; django.setup(); from django.conf import settings as s; print(s.EMAIL_TIMEOUT)"


@pytest.mark.parametrize(("value", "seconds"), [(None, "20.0"), ("2.5", "2.5")])
def test_the_smtp_timeout_defaults_to_20_seconds_and_is_set_by_its_variable(
    tmp_path: Path, value: str | None, seconds: str
) -> None:
    """A mail server that accepts and never answers held the worker for ever: Django's SMTP has no timeout
    of its own."""
    env = {k: v for k, v in os.environ.items() if k != "MESOSAFE_EMAIL_TIMEOUT"}
    env.update(DJANGO_SETTINGS_MODULE="mesosafe.web.settings", MESOSAFE_DATA_DIR=str(tmp_path / "data"))
    if value is not None:
        env["MESOSAFE_EMAIL_TIMEOUT"] = value
    out = subprocess.run([sys.executable, "-c", EMAIL_TIMEOUT], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == seconds


@pytest.mark.parametrize("value", ["0", "-1", "abc", "inf", "nan", ""])
def test_an_smtp_timeout_that_is_not_a_positive_number_is_refused_at_start(
    tmp_path: Path, value: str
) -> None:
    env = {**os.environ, "MESOSAFE_DATA_DIR": str(tmp_path / "data"), "MESOSAFE_EMAIL_TIMEOUT": value}
    env["DJANGO_SETTINGS_MODULE"] = "mesosafe.web.settings"
    out = subprocess.run([sys.executable, "-c", EMAIL_TIMEOUT], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert f"MESOSAFE_EMAIL_TIMEOUT must be a number of seconds above 0, not {value!r}" in out.stderr


PROXIES = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(' '.join(map(str, s.MESOSAFE_TRUSTED_PROXIES)))"
)


def _proxies(tmp_path: Path, value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MESOSAFE_TRUSTED_PROXIES"}
    env.update(DJANGO_SETTINGS_MODULE="mesosafe.web.settings", MESOSAFE_DATA_DIR=str(tmp_path / "data"))
    if value is not None:
        env["MESOSAFE_TRUSTED_PROXIES"] = value
    return subprocess.run([sys.executable, "-c", PROXIES], env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("value", "networks"),
    [(None, ""), ("", ""), ("127.0.0.1, 10.0.0.0/24,::1", "127.0.0.1/32 10.0.0.0/24 ::1/128")],
)
def test_trusted_proxies_are_none_by_default_and_listed_by_their_variable(
    tmp_path: Path, value: str | None, networks: str
) -> None:
    assert _proxies(tmp_path, value).stdout.strip() == networks


@pytest.mark.parametrize("value", ["10.0.0.1;10.0.0.2", "proxy.example", "10.0.0.5/24", "10.0.0.0/33"])
def test_trusted_proxies_that_are_not_addresses_or_networks_are_refused_at_start(
    tmp_path: Path, value: str
) -> None:
    """Review: behind the proxy every limit keyed on the proxy's address; a mistyped list must not leave it
    so unnoticed."""
    out = _proxies(tmp_path, value)
    assert out.returncode != 0
    assert "MESOSAFE_TRUSTED_PROXIES must list IP addresses or networks (CIDR)" in out.stderr
    assert value in out.stderr
