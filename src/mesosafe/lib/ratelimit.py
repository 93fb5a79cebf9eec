"""Fixed-window request counters for the patient-link endpoints and pages (and the Redis step of the staff
logins' counters, mesosafe.clinics.logins): in Redis when
MESOSAFE_REDIS_URL is set (one count shared by every server process), else in this process's memory."""

from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from redis.exceptions import RedisError

from mesosafe.lib.clientaddr import client_network

if TYPE_CHECKING:
    from django.http import HttpRequest

log = logging.getLogger(__name__)


def over_limit(key: str, limit: int, window_s: int | None = None) -> bool:
    """Count one request under `key`; True once more than `limit` came in the current window (by default the
    patients' window, MESOSAFE_PATIENT_RATE_WINDOW_S)."""
    url = settings.MESOSAFE_REDIS_URL
    window = window_s or settings.MESOSAFE_PATIENT_RATE_WINDOW_S
    try:
        count = redis_count(url, key, window) if url else _LOCAL.count(key, window)
    except RedisError as exc:
        # Fail open: a counter store that is down must not stop a patient from reporting a symptom.
        log.warning("rate limit not applied, Redis is unavailable: %s", type(exc).__name__)
        return False
    return count > limit


def failed_lookup_over_limit(request: HttpRequest) -> bool:
    """Count one unknown, stopped or expired patient-link token from the request's client address (the API
    and the pages share the count); True once more than MESOSAFE_PATIENT_RATE came in the window. Only
    failures count: patients behind one carrier address each use a valid link, which is never limited by
    address."""
    return over_limit(f"lookup-fail:ip:{client_network(request)}", settings.MESOSAFE_PATIENT_RATE)


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


class LocalCounts:
    """Fixed windows in one process, each starting at its key's first request (as Redis's SET NX EX does).
    Django's local-memory cache did the same at 20 µs a count (pickling, key checks); this is under 1 µs.
    At most `max_keys` keys: past that, windows that ended go first, then the oldest."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window ends, count)
        self._lock = threading.Lock()

    def count(self, key: str, window_s: int) -> int:
        """Count one request under `key`: the requests in its current window, this one included."""
        now = time.monotonic()
        with self._lock:
            ends, count = self._windows.get(key, (0.0, 0))
            if ends <= now:
                ends, count = now + window_s, 0
                self._windows.pop(key, None)
                if len(self._windows) >= self.max_keys:
                    self._make_room(now)
            self._windows[key] = (ends, count + 1)
            return count + 1

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()

    def _make_room(self, now: float) -> None:
        self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        excess = len(self._windows) - self.max_keys + 1
        for key in list(self._windows)[: max(0, excess)]:
            del self._windows[key]  # the oldest windows: a flood of new keys must not grow memory


_LOCAL = LocalCounts()


def forget_local_counts() -> None:
    """Start every in-process window afresh (tests)."""
    _LOCAL.clear()
