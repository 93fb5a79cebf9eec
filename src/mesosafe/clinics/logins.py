"""Counting staff login attempts so that a burst cannot outrun the limit: each attempt is counted before its
password is checked, by one atomic step (Redis INCR when MESOSAFE_REDIS_URL is set, else one upsert of a
database row), so N parallel attempts get the counts 1…N and only those within the limit are checked.
Unlike the patients' counters, a process-local count would let each server process allow its own limit."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from redis.exceptions import RedisError

from mesosafe.clinics.models import LoginCounter
from mesosafe.lib.ratelimit import redis_client, redis_count

log = logging.getLogger(__name__)
# DECR only a key still in its window: a bare DECR after expiry would make a counter with no expiry
_DECR_IF_COUNTED = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"
)


def count_attempt(key: str, window_s: int) -> int:
    """Count one attempt under `key`; the number of attempts in the current window, this one included."""
    if url := settings.MESOSAFE_REDIS_URL:
        try:
            return redis_count(url, f"login:{key}", window_s)
        except RedisError as exc:  # the database counts instead: a login limit must not fail open
            log.warning(
                "login attempts counted in the database, Redis is unavailable: %s", type(exc).__name__
            )
    return _database_count(key, window_s)


def uncount(key: str) -> None:
    """Give back one counted attempt: a login that succeeded is not a failure."""
    if url := settings.MESOSAFE_REDIS_URL:
        try:
            redis_client(url).eval(_DECR_IF_COUNTED, 1, f"mesosafe:login:{key}")
            return
        except RedisError:
            pass
    LoginCounter.objects.filter(key=key, window_ends__gt=int(time.time()), count__gt=0).update(
        count=F("count") - 1
    )


def _database_count(key: str, window_s: int) -> int:
    """INSERT … ON CONFLICT DO UPDATE … RETURNING: one statement, so the row's lock orders parallel attempts
    (on PostgreSQL and SQLite alike). An ended window starts again at 1."""
    now = int(time.time())
    quote = connection.ops.quote_name
    table, key_, count, ends = (
        quote(n) for n in (LoginCounter._meta.db_table, "key", "count", "window_ends")
    )
    sql = (
        f"INSERT INTO {table} ({key_}, {count}, {ends}) VALUES (%s, 1, %s) "
        f"ON CONFLICT ({key_}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{ends} <= %s THEN 1 ELSE {table}.{count} + 1 END, "
        f"{ends} = CASE WHEN {table}.{ends} <= %s THEN %s ELSE {table}.{ends} END "
        f"RETURNING {count}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [key, now + window_s, now, now, now + window_s])
        row = cursor.fetchone()
    LoginCounter.objects.filter(
        window_ends__lt=now - window_s
    ).delete()  # ended windows: the table stays small
    return int(row[0])
