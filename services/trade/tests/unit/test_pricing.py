"""The fair-trade split of a sale line [¶97-¶98]: three parts that sum to the total exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trade.domain.pricing import FeeTerms, line_total, split

rates = st.decimals(min_value=0, max_value=Decimal("0.49"), places=4)
totals = st.integers(min_value=0, max_value=10**12).map(lambda c: Decimal(c) / 100)


@given(totals, rates, rates)
def test_the_parts_sum_to_the_total_and_none_is_negative(
    total: Decimal, channel: Decimal, logistics: Decimal
) -> None:
    parts = split(total, FeeTerms(channel, logistics))
    assert parts.producer_part + parts.channel_fee + parts.logistics == total
    assert min(parts.producer_part, parts.channel_fee, parts.logistics) >= 0
    for value in (parts.producer_part, parts.channel_fee, parts.logistics):
        assert value == value.quantize(Decimal("0.01"))
    # each fee is its exact share rounded to the nearest centavo
    assert abs(parts.channel_fee - total * channel) <= Decimal("0.005")
    assert abs(parts.logistics - total * logistics) <= Decimal("0.005")


def test_fees_round_half_even() -> None:
    terms = FeeTerms(Decimal("0.10"), Decimal("0.05"))
    # 0.25 x 10 % = 0.025 -> 0.02 (even); 0.25 x 5 % = 0.0125 -> 0.01
    parts = split(Decimal("0.25"), terms)
    assert (parts.channel_fee, parts.logistics, parts.producer_part) == (
        Decimal("0.02"),
        Decimal("0.01"),
        Decimal("0.22"),
    )
    # 0.35 x 10 % = 0.035 -> 0.04 (even)
    assert split(Decimal("0.35"), terms).channel_fee == Decimal("0.04")


def test_a_published_share_is_what_is_left_after_the_fees() -> None:
    assert FeeTerms(Decimal("0.10"), Decimal("0.05")).producer_share == Decimal("0.85")
    parts = split(line_total(Decimal("120.00"), 3), FeeTerms(Decimal("0.10"), Decimal("0.05")))
    assert parts.total == Decimal("360.00")
    assert parts.producer_part == Decimal("306.00")


def test_fees_must_leave_the_producer_something() -> None:
    with pytest.raises(ValueError):
        FeeTerms(Decimal("0.60"), Decimal("0.40"))
    with pytest.raises(ValueError):
        FeeTerms(Decimal("-0.01"), Decimal("0"))
    with pytest.raises(ValueError):
        line_total(Decimal("1.00"), 0)
