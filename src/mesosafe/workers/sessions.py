"""Expired staff sessions, deleted once a day by every `mesosafe worker` (`workers.heartbeat`), as Django's
`clearsessions` would: the database session backend never deletes a row itself, so `django_session` grew
for good."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings

CLEAR_EVERY = timedelta(days=1)


def clear_expired() -> None:
    """Delete the sessions past their expiry (a backend that expires them itself does nothing)."""
    engine = import_module(settings.SESSION_ENGINE)
    with contextlib.suppress(NotImplementedError):  # as clearsessions: a backend without the method
        engine.SessionStore.clear_expired()


def due(last: datetime | None, now: datetime) -> bool:
    """Whether a worker that last cleared at `last` (None: not since it started) clears again at `now`."""
    return last is None or now - last >= CLEAR_EVERY
