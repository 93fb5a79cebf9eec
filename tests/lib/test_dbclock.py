"""`lib.dbclock.db_now`: the database's time, aware and in UTC, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from django.utils import timezone

from mesosafe.lib.dbclock import db_now


def test_the_databases_time_is_aware_utc_and_now(db: Any) -> None:
    now = db_now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0) and now.tzinfo == UTC
    assert abs(now - timezone.now()) < timedelta(seconds=5)  # one machine here: the clocks agree
