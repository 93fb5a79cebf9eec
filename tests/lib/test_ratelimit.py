"""The patients' rate limit: counts per key, is shared between server processes through Redis
(MESOSAFE_REDIS_URL), and fails open when Redis is down."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import Any

import pytest
import redis

from mesosafe.lib import ratelimit
from mesosafe.lib.ratelimit import LocalCounts, forget_local_counts, over_limit

REDIS_URL = os.environ.get("MESOSAFE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError:
        if os.environ.get("MESOSAFE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required at {REDIS_URL} (MESOSAFE_REQUIRE_SERVICES=1)")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


def test_counts_per_key_up_to_the_limit(settings: Any) -> None:
    forget_local_counts()
    assert [over_limit("k", 2) for _ in range(4)] == [False, False, True, True]
    assert over_limit("other", 2) is False


def test_redis_counts_per_key_up_to_the_limit_and_the_window_expires(redis_url: str, settings: Any) -> None:
    settings.MESOSAFE_REDIS_URL = redis_url
    key = f"test-rate:{uuid.uuid4()}"
    assert [over_limit(key, 2) for _ in range(4)] == [False, False, True, True]
    ttl = redis.Redis.from_url(redis_url).ttl(f"mesosafe:{key}")
    assert 0 < ttl <= settings.MESOSAFE_PATIENT_RATE_WINDOW_S


def test_redis_counts_are_shared_between_processes(redis_url: str, settings: Any) -> None:
    key = f"test-rate:{uuid.uuid4()}"
    other_process = (
        "import django; django.setup(); from mesosafe.lib.ratelimit import over_limit; "
        f"print([over_limit({key!r}, 3) for _ in range(3)])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mesosafe.web.settings", "MESOSAFE_REDIS_URL": redis_url}
    out = subprocess.run(
        [sys.executable, "-c", other_process], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[False, False, False]"
    settings.MESOSAFE_REDIS_URL = redis_url
    assert over_limit(key, 3) is True  # the fourth request in the window, counted by another process


def test_an_unreachable_redis_lets_requests_through(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.MESOSAFE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    assert over_limit("k", 0) is False
    assert "rate limit not applied" in caplog.text


def test_a_local_window_starts_again_once_it_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    counts = LocalCounts()
    assert [counts.count("k", 60) for _ in range(3)] == [1, 2, 3]
    now[0] += 59.9
    assert counts.count("k", 60) == 4
    now[0] += 0.1  # the window began at 1000.0 and lasts 60 s
    assert counts.count("k", 60) == 1


def test_a_flood_of_new_keys_drops_the_ended_windows_then_the_oldest() -> None:
    counts = LocalCounts(max_keys=3)
    for key in ("a", "b", "c"):
        counts.count(key, 60)
    counts.count("a", 60)  # a second request in a live window keeps its place
    counts.count("d", 60)  # no window has ended: the oldest goes
    assert counts.count("a", 60) == 1 and counts.count("d", 60) == 2
