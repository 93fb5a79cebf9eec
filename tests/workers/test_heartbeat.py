"""A worker's heartbeat records it alive, forgets long-gone workers, requeues dead ones' tasks and the staff
alerts nothing will send, and survives a failed beat."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.services import submit
from mesosafe.checkins.tasks import notify_escalation
from mesosafe.lib.dbclock import db_now
from mesosafe.patients.models import Patient
from mesosafe.workers import heartbeat
from mesosafe.workers.health import worker_alive
from mesosafe.workers.heartbeat import FORGET_AFTER, HeartbeatThread, beat
from mesosafe.workers.models import Heartbeat
from mesosafe.workers.sessions import CLEAR_EVERY
from mesosafe.workers.stale import requeue_stale
from tests.service_fixtures import Site


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


def test_a_beat_is_stamped_by_the_databases_clock_not_the_workers(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker whose machine's clock ran 3 minutes behind was judged dead by a healthy one, which took its
    running alert and sent it again (fault review F8)."""
    behind = timezone.now() - timedelta(minutes=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: behind)
    beat("skewed", started_at=behind)
    monkeypatch.undo()
    seen = Heartbeat.objects.get(worker_id="skewed").seen_at
    assert abs(seen - db_now()) < timedelta(seconds=5)
    assert worker_alive(seen) and requeue_stale() == 0


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


def test_a_beat_queues_an_alert_that_nothing_will_send(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=2)
    stored, _ = submit(treatment.link, {"symptoms": [{"code": "pus"}]}, "u")
    alerts = DBTaskResult.objects.filter(task_path=notify_escalation.module_path)
    alerts.update(status=TaskResultStatus.FAILED)  # and its retry could not be queued
    beat("me", started_at=timezone.now())
    [queued] = alerts.filter(status=TaskResultStatus.READY)
    assert queued.args_kwargs["args"] == [stored.id]


def test_a_bug_in_a_beat_is_logged_and_the_beats_go_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> int:
        raise KeyError("args")

    monkeypatch.setattr(heartbeat, "beat", broken)
    with caplog.at_level(logging.WARNING, logger="mesosafe.workers.heartbeat"):
        HeartbeatThread("w-bug").beat_once()
    assert "heartbeat failed" in caplog.text and "KeyError" in caplog.text


def _expired_session() -> str:
    store = SessionStore()
    store.set_expiry(timezone.now() - timedelta(seconds=1))
    store.create()
    assert store.session_key is not None
    return store.session_key


def test_the_first_beat_and_then_one_a_day_delete_expired_sessions(db: Any) -> None:
    """The database session backend never deletes a row itself; nothing else runs clearsessions."""
    thread = HeartbeatThread("w-sessions")
    first = _expired_session()
    thread.beat_once()
    assert not Session.objects.filter(session_key=first).exists()
    second = _expired_session()
    thread.beat_once()  # the next beat, 30 seconds on: not due yet
    assert Session.objects.filter(session_key=second).exists()
    assert thread.sessions_cleared_at is not None
    thread.clear_sessions_when_due(thread.sessions_cleared_at + CLEAR_EVERY)
    assert not Session.objects.filter(session_key=second).exists()
