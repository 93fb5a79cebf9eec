from typing import Any

from django.core.cache import cache

from mesosafe.lib.ratelimit import over_limit


def test_counts_per_key_up_to_the_limit(settings: Any) -> None:
    cache.clear()
    assert [over_limit("k", 2) for _ in range(4)] == [False, False, True, True]
    assert over_limit("other", 2) is False
