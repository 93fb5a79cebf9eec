"""Expired sessions are deleted, live ones kept; a worker clears at its first beat and then once a day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from mesosafe.workers.sessions import CLEAR_EVERY, clear_expired, due


def _session(expires_in: timedelta) -> str:
    store = SessionStore()
    store["issued_link"] = {"treatment": 1}
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    assert store.session_key is not None
    return store.session_key


def test_expired_sessions_are_deleted_and_live_ones_kept(db: Any) -> None:
    _session(-timedelta(seconds=1))
    live = _session(timedelta(hours=8))
    clear_expired()
    assert set(Session.objects.values_list("session_key", flat=True)) == {live}


def test_clearing_is_due_at_first_and_then_a_day_after_the_last() -> None:
    now = timezone.now()
    assert due(None, now)
    assert not due(now - CLEAR_EVERY + timedelta(minutes=1), now)
    assert due(now - CLEAR_EVERY, now)
