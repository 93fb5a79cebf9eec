"""Whether a background worker is running, for the clinic pages' warning and GET /healthz/worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import submit
from mesosafe.patients.models import Patient
from mesosafe.workers.health import DEAD_AFTER, last_beat, worker_alive
from tests.service_fixtures import Site, record_beat


def test_the_latest_beat_of_any_worker_counts(db: Any) -> None:
    assert last_beat() is None and not worker_alive(None)
    record_beat("old", timedelta(hours=5))
    record_beat("recent", timedelta(seconds=20))
    seen = last_beat()
    assert seen is not None and timezone.now() - seen < timedelta(seconds=30)
    assert worker_alive(seen)
    assert not worker_alive(seen, now=seen + DEAD_AFTER + timedelta(seconds=1))


def test_endpoint_is_503_without_a_worker_and_200_with_one(db: Any, client: Client) -> None:
    response = client.get("/healthz/worker")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "last_beat": None, "alerts_late": 0}

    record_beat("gone", DEAD_AFTER + timedelta(minutes=1))
    assert client.get("/healthz/worker").json()["status"] == "down"

    record_beat("running", timedelta(seconds=5))
    response = client.get("/healthz/worker")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_endpoint_is_503_while_an_urgent_check_ins_alert_is_late(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A mail server refusing every alert was invisible to monitoring (fault review F6)."""
    record_beat("running", timedelta(seconds=5))
    treatment, _ = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "pus"}]})
    assert client.get("/healthz/worker").json() == {
        "status": "ok", "last_beat": client.get("/healthz/worker").json()["last_beat"], "alerts_late": 0
    }  # fmt: skip
    CheckIn.objects.filter(id=checkin.id).update(submitted_at=timezone.now() - timedelta(minutes=30))
    response = client.get("/healthz/worker")
    assert response.status_code == 503 and response.json()["status"] == "alerts_late"
    assert response.json()["alerts_late"] == 1
    CheckIn.objects.filter(id=checkin.id).update(alerted_at=timezone.now())
    assert client.get("/healthz/worker").status_code == 200
