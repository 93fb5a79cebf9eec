"""Running one piece of work many times at once, for the tests of races (limits, locks, idempotency)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """`work(0)` … `work(count - 1)`, each in its own thread, released together; their results in order."""
    start = threading.Barrier(count)

    def released(n: int) -> T:
        start.wait()
        return work(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))
