"""The arithmetic the store's conditional updates apply: nothing below zero, all or nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trade.domain.stock import StockLevel

ops = st.lists(
    st.tuples(st.sampled_from(["reserve", "release", "sell", "adjust"]), st.integers(-50, 50)),
    max_size=60,
)


@given(st.integers(0, 100), ops)
def test_no_sequence_of_operations_takes_a_counter_below_zero(start: int, steps: list) -> None:  # type: ignore[type-arg]
    level, held = StockLevel(available=start), 0
    for op, n in steps:
        if op == "reserve" and level.can_reserve(n):
            level, held = level.reserve(n), held + n
        elif op == "release" and 0 < n <= held:
            level, held = level.release(n), held - n
        elif op == "sell" and 0 < n <= held:
            level, held = level.sell(n), held - n
        elif op == "adjust" and level.can_adjust(n):
            level = level.adjust(n)
        assert min(level.available, level.reserved, level.sold) >= 0
        assert level.reserved == held


def test_a_reservation_is_whole_or_refused() -> None:
    level = StockLevel(available=3)
    assert not level.can_reserve(4)
    assert not level.can_reserve(0)
    with pytest.raises(ValueError):
        level.reserve(4)
    after = level.reserve(3)
    assert (after.available, after.reserved, after.on_hand) == (0, 3, 3)
    sold = after.sell(2).release(1)
    assert (sold.available, sold.reserved, sold.sold, sold.on_hand) == (1, 0, 2, 1)


def test_a_recount_never_takes_reserved_units() -> None:
    level = StockLevel(available=2, reserved=5)
    assert level.can_adjust(-2) and not level.can_adjust(-3)
    with pytest.raises(ValueError):
        level.adjust(-3)
