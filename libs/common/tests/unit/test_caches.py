"""A cache bounded by its values' weights keeps the most recently used within its budget."""

import pytest

from megp_common.caches import SizedLRU


def test_the_least_recently_used_go_first_once_the_weights_pass_the_budget() -> None:
    cache: SizedLRU[str, str] = SizedLRU(100)
    cache.put("a", "A", 40)
    cache.put("b", "B", 40)
    assert cache.get("a") == "A"  # now more recent than b
    cache.put("c", "C", 40)
    assert "b" not in cache and cache.get("a") == "A" and cache.get("c") == "C"
    assert cache.weight == 80 and len(cache) == 2


def test_a_value_kept_again_replaces_its_weight() -> None:
    cache: SizedLRU[str, int] = SizedLRU(100)
    cache.put("a", 1, 90)
    cache.put("a", 2, 10)
    cache.put("b", 3, 80)
    assert cache.get("a") == 2 and cache.get("b") == 3 and cache.weight == 90


def test_one_value_heavier_than_the_budget_is_kept_alone() -> None:
    cache: SizedLRU[str, int] = SizedLRU(100)
    cache.put("a", 1, 30)
    cache.put("huge", 2, 500)
    assert len(cache) == 1 and cache.get("huge") == 2 and cache.get("a") is None


def test_many_small_values_stay_within_the_budget() -> None:
    cache: SizedLRU[int, bytes] = SizedLRU(10_000)
    for i in range(5_000):
        cache.put(i, bytes(7), 7 + i % 50)
        assert cache.weight <= 10_000
    assert cache.get(4_999) is not None and cache.get(0) is None


def test_the_budget_is_positive() -> None:
    with pytest.raises(ValueError):
        SizedLRU(0)
