"""A fixed-window request counter in Django's cache, for the patient-link endpoints and pages."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def over_limit(key: str, limit: int) -> bool:
    """Count one request under `key`; True once more than `limit` came in the current window."""
    window = settings.MESOSAFE_PATIENT_RATE_WINDOW_S
    if cache.add(key, 1, timeout=window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return False
    return bool(count > limit)
