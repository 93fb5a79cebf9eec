"""Django's PostgreSQL backend, health-checking a kept connection only when it has sat idle.

With CONN_HEALTH_CHECKS Django checks a kept connection (`SELECT 1`, one more round trip) at the start of
every request that uses it. Without it, after a database restart each server thread's first request fails
before Django reconnects, and a patient's check-in may be that request. Here the check runs only when
the connection has not been used for IDLE_CHECK_AFTER: after a quiet spell, when a restart may have gone
unnoticed, and not between the back-to-back requests of a busy server.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

IDLE_CHECK_AFTER = 2.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    last_used: float = float("-inf")

    def _cursor(self, name: Any = None) -> Any:
        cursor = super()._cursor(name)  # type: ignore[misc]  # not in django-stubs
        self.last_used = time.monotonic()
        return cursor

    def close_if_health_check_failed(self) -> None:
        if time.monotonic() - self.last_used < IDLE_CHECK_AFTER:
            self.health_check_done = True  # in use moments ago: it works
        super().close_if_health_check_failed()
