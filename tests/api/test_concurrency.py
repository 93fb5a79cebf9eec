"""Nothing acknowledged is lost: concurrent check-ins (with retries) against a live server are each stored
exactly once. Runs on the suite's database; scripts/test runs it on PostgreSQL too."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest

from mesosafe.checkins.models import CheckIn
from mesosafe.patients.models import Patient
from tests.concurrent import all_at_once
from tests.service_fixtures import API, Site

THREADS = 8
PER_THREAD = 12
BODY = json.dumps(
    {"symptoms": [{"code": "swelling", "severity": "mild", "trend": "improving", "spreading": False}]}
)


def _client(url: str) -> http.client.HTTPConnection:
    parsed = urlparse(url)
    return http.client.HTTPConnection(parsed.hostname or "localhost", parsed.port, timeout=30)


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkins_are_stored_exactly_once(
    live_server: Any,
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    settings: Any,
) -> None:
    settings.MESOSAFE_PATIENT_RATE = 100_000
    settings.MESOSAFE_CHECKINS_PER_HOUR = 100_000
    _, token = make_treatment(site, make_patient(site), days_ago=1)
    acknowledged: dict[str, int] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        connection = _client(live_server.url)
        for i in range(PER_THREAD):
            key = f"t{n}-{i}"
            # every submission is sent twice, as a client retrying after a lost answer would
            for _attempt in range(2):
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                }
                connection.request("POST", f"{API}/patient/checkins", BODY, headers)
                response = connection.getresponse()
                payload = response.read()
                with lock:
                    if response.status != 201:
                        failures.append(f"{response.status} {payload[:200]!r}")
                    elif acknowledged.setdefault(key, json.loads(payload)["id"]) != json.loads(payload)["id"]:
                        failures.append(f"{key} answered with two different check-ins")
        connection.close()

    all_at_once(THREADS, worker)

    assert failures == []
    assert len(acknowledged) == THREADS * PER_THREAD
    stored = dict(CheckIn.objects.values_list("idempotency_key", "id"))
    assert stored == acknowledged
