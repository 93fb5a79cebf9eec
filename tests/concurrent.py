"""Running one piece of work many times at once, for the tests of races (limits, locks, idempotency)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from mesosafe.lib.idempotency import Once

T = TypeVar("T")


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """`work(0)` … `work(count - 1)`, each in its own thread, released together; their results in order."""
    start = threading.Barrier(count)

    def released(n: int) -> T:
        start.wait()
        return work(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def first_lookups_miss(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make each create's first lookup of its idempotency key (`lib.idempotency.Once`) find nothing, as when
    its twin has not committed yet: every send goes on to store, and all but one meet the unique (clinic,
    key) constraint. The list answered counts the sends that met it (and looked again)."""
    real_earlier = Once.earlier
    lost: list[int] = []

    def earlier(self: Once[Any]) -> Any:
        if not getattr(self, "looked", False):
            object.__setattr__(self, "looked", True)  # one Once per send
            return None
        lost.append(1)  # a second lookup: only after the create met the constraint
        return real_earlier(self)

    monkeypatch.setattr(Once, "earlier", earlier)
    return lost
