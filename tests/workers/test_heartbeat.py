"""A worker's heartbeat records it alive, forgets long-gone workers, requeues dead ones' tasks, and
survives a failed beat."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError
from django.utils import timezone

from mesosafe.workers import heartbeat
from mesosafe.workers.heartbeat import FORGET_AFTER, HeartbeatThread, beat
from mesosafe.workers.models import Heartbeat


def test_a_beat_records_the_worker_and_forgets_long_gone_ones(db: Any) -> None:
    now = timezone.now()
    Heartbeat.objects.create(
        worker_id="gone", started_at=now, seen_at=now - FORGET_AFTER - timedelta(hours=1)
    )
    Heartbeat.objects.create(worker_id="recent", started_at=now, seen_at=now - timedelta(hours=1))
    assert beat("me", started_at=now - timedelta(minutes=1), now=now) == 0
    beat("me", started_at=now - timedelta(minutes=1), now=now + timedelta(seconds=30))
    seen = dict(Heartbeat.objects.values_list("worker_id", "seen_at"))
    assert set(seen) == {"me", "recent"}
    assert seen["me"] == now + timedelta(seconds=30)


@pytest.mark.django_db(transaction=True)  # the thread has its own connection
def test_the_thread_beats_at_start_and_again_until_stopped() -> None:
    thread = HeartbeatThread("w-thread", every=timedelta(milliseconds=50))
    thread.start()
    first = Heartbeat.objects.get(worker_id="w-thread").seen_at  # written before start() returned
    deadline = timezone.now() + timedelta(seconds=10)
    while Heartbeat.objects.get(worker_id="w-thread").seen_at == first and timezone.now() < deadline:
        thread.stopped.wait(0.05)
    thread.stop()
    assert not thread.is_alive()
    assert Heartbeat.objects.get(worker_id="w-thread").seen_at > first


def test_a_failed_beat_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> int:
        raise DatabaseError("connection lost")

    monkeypatch.setattr(heartbeat, "beat", broken)
    with caplog.at_level(logging.WARNING, logger="mesosafe.workers.heartbeat"):
        HeartbeatThread("w-broken").beat_once()
    assert "heartbeat failed" in caplog.text
