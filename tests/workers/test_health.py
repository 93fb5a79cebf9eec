"""Whether a background worker is running, for the clinic pages' warning and GET /healthz/worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from mesosafe.workers.health import DEAD_AFTER, last_beat, worker_alive
from tests.service_fixtures import record_beat


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
    assert response.json() == {"status": "down", "last_beat": None}

    record_beat("gone", DEAD_AFTER + timedelta(minutes=1))
    assert client.get("/healthz/worker").json()["status"] == "down"

    record_beat("running", timedelta(seconds=5))
    response = client.get("/healthz/worker")
    assert response.status_code == 200 and response.json()["status"] == "ok"
