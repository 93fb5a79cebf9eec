"""`mesosafe demo | manage | worker` as a user runs them, in a fresh data directory."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mesosafe.cli.service import own_address
from tests.service_fixtures import on_postgres


def mesosafe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "MESOSAFE_DATA_DIR", "DJANGO_SETTINGS_MODULE", "MESOSAFE_BASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-m", "mesosafe", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(autouse=True)
def _sqlite_run_only() -> None:
    if on_postgres():
        pytest.skip("runs against its own SQLite data directory; covered by the SQLite run")


def test_demo_json_contract_and_idempotence(tmp_path: Path) -> None:
    first = mesosafe(tmp_path, "demo", "--json")
    assert first.returncode == 0, first.stderr
    again = mesosafe(tmp_path, "demo", "--json")
    assert again.returncode == 0, again.stderr
    demo = json.loads(again.stdout)
    assert len(demo["clinics"]) == 2
    for clinic in demo["clinics"]:
        assert set(clinic) == {"name", "staff_username", "staff_password", "api_key"}
    assert demo["patient"]["clinic"] == 0
    assert demo["patient"]["link"] == f"/p/{demo['patient']['token']}/"
    assert first.stdout != again.stdout  # keys and link are renewed, records are not duplicated

    database = sqlite3.connect(tmp_path / "data" / "mesosafe.sqlite3")
    dispositions = {row[0] for row in database.execute("select disposition from checkins_checkin")}
    assert dispositions == {"self_care", "contact_clinic", "urgent", "emergency"}
    assert database.execute("select count(*) from clinics_clinic").fetchone()[0] == 2
    assert database.execute("select count(*) from treatments_treatment").fetchone()[0] == 8
    token = demo["patient"]["token"]
    assert not any(
        token in (row[0] or "") for row in database.execute("select token_hash from treatments_checkinlink")
    )


def test_demo_logins_work_against_the_api(tmp_path: Path) -> None:
    demo = json.loads(mesosafe(tmp_path, "demo", "--json").stdout)
    script = (
        "import os, json, django; django.setup();"
        "from django.test import Client; c = Client();"
        f"q = c.get('/api/v1/review-queue', HTTP_AUTHORIZATION='Bearer {demo['clinics'][0]['api_key']}');"
        f"me = c.get('/api/v1/patient/me', HTTP_AUTHORIZATION='Bearer {demo['patient']['token']}');"
        "print(json.dumps([q.status_code, [i['disposition'] for i in q.json()['items']], me.status_code]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mesosafe.web.settings",
        "MESOSAFE_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    status, queue, me = json.loads(out.stdout.strip().splitlines()[-1])
    assert status == 200 and me == 200
    assert queue == ["emergency", "urgent", "contact_clinic"]


def test_manage_passes_through_and_worker_runs_due_tasks(tmp_path: Path) -> None:
    shown = mesosafe(tmp_path, "manage", "showmigrations", "treatments")
    assert shown.returncode == 0 and "0001_initial" in shown.stdout
    mesosafe(tmp_path, "demo")  # enqueues the staff notifications of its urgent and emergency check-ins
    worked = mesosafe(tmp_path, "worker", "--batch")
    assert worked.returncode == 0, worked.stderr
    assert "path=mesosafe.checkins.tasks.notify_escalation state=SUCCESSFUL" in worked.stderr
    assert ": Seek medical care today" in worked.stdout  # the console email backend: an urgent alert
    assert "MESOSAFE_BASE_URL is not set" in worked.stderr  # emailed links would not open


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [("127.0.0.1", 8000, "http://127.0.0.1:8000"), ("0.0.0.0", 80, "http://127.0.0.1:80"),
     ("clinic.example", 8080, "http://clinic.example:8080"), ("::1", 8000, "http://[::1]:8000")],
)  # fmt: skip
def test_served_address_is_the_default_link_base(host: str, port: int, url: str) -> None:
    assert own_address(host, port) == url


def test_issue_api_key(tmp_path: Path) -> None:
    mesosafe(tmp_path, "demo")
    issued = mesosafe(tmp_path, "manage", "issue_api_key", "demo-dubai", "--name", "laptop")
    assert issued.returncode == 0 and issued.stdout.startswith("msk_")
    unknown = mesosafe(tmp_path, "manage", "issue_api_key", "nobody")
    assert unknown.returncode != 0 and "no staff member" in unknown.stderr
