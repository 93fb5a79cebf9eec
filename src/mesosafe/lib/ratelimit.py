"""Fixed-window request counters for the patient-link endpoints and pages (and the Redis step of the staff
logins' counters, mesosafe.clinics.logins): in Redis when
MESOSAFE_REDIS_URL is set (one count shared by every server process), else in Django's local-memory cache (one
per process)."""

from __future__ import annotations

import logging
from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def over_limit(key: str, limit: int, window_s: int | None = None) -> bool:
    """Count one request under `key`; True once more than `limit` came in the current window (by default the
    patients' window, MESOSAFE_PATIENT_RATE_WINDOW_S)."""
    url = settings.MESOSAFE_REDIS_URL
    window = window_s or settings.MESOSAFE_PATIENT_RATE_WINDOW_S
    try:
        count = redis_count(url, key, window) if url else _local_count(key, window)
    except RedisError as exc:
        # Fail open: a counter store that is down must not stop a patient from reporting a symptom.
        log.warning("rate limit not applied, Redis is unavailable: %s", type(exc).__name__)
        return False
    return count > limit


def failed_lookup_over_limit(address: str) -> bool:
    """Count one unknown, stopped or expired patient-link token from `address` (the API and the pages share
    the count); True once more than MESOSAFE_PATIENT_RATE came in the window. Only failures count: patients
    behind one carrier address each use a valid link, which is never limited by address."""
    return over_limit(f"lookup-fail:ip:{address}", settings.MESOSAFE_PATIENT_RATE)


@lru_cache(maxsize=4)
def redis_client(url: str) -> redis.Redis:
    # short timeouts: a patient's request must not hang on an unreachable Redis
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def redis_count(url: str, key: str, window: int) -> int:
    """One round trip: MULTI, start the window if it has not started (SET NX EX), INCR, EXEC."""
    name = f"mesosafe:{key}"
    pipe = redis_client(url).pipeline(transaction=True)
    pipe.set(name, 0, ex=window, nx=True)
    pipe.incr(name)
    _, count = pipe.execute()
    return int(count)


def _local_count(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
