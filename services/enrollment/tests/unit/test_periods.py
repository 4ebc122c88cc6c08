from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.domain.errors import InvalidData
from enrollment.domain.periods import (
    Period,
    add_months,
    money,
    outcome,
    period_of_plan,
)

TEN, QUARTER = Decimal("0.10"), Decimal("0.25")
cents = st.integers(0, 10**9).map(lambda c: Decimal(c) / 100)


def test_months_roll_over_years() -> None:
    assert add_months(date(2031, 11, 1), 3) == date(2032, 2, 1)
    assert add_months(date(2031, 1, 1), 12) == date(2032, 1, 1)
    assert Period(date(2031, 2, 1), 1).end == date(2031, 2, 28)
    assert Period(date(2032, 2, 1), 1).end == date(2032, 2, 29)
    assert Period(date(2031, 10, 1), 3).end == date(2031, 12, 31)


def test_periods_follow_the_plan_start() -> None:
    start = date(2031, 1, 1)
    assert period_of_plan(start, 3, date(2031, 7, 1)) == Period(date(2031, 7, 1), 3)
    for bad in (date(2031, 2, 1), date(2030, 12, 1), date(2031, 4, 2)):
        with pytest.raises(InvalidData):
            period_of_plan(start, 3, bad)


def test_ended_by() -> None:
    period = Period(date(2031, 3, 1), 1)
    assert not period.ended_by(date(2031, 3, 31))
    assert period.ended_by(date(2031, 4, 1))


def test_a_gain_owes_ten_percent_to_the_fund_and_a_quarter_to_the_odf() -> None:
    o = outcome(Decimal("12000.00"), Decimal("10000.00"), TEN, QUARTER)
    assert (o.incremental_income, o.deposit_due, o.odf_share) == (
        Decimal("2000.00"),
        Decimal("200.00"),
        Decimal("500.00"),
    )


def test_rounding_is_half_even_to_the_centavo() -> None:
    # 0.05 * 0.10 = 0.005 -> 0.00 (half to even); 0.15 * 0.10 = 0.015 -> 0.02
    assert outcome(Decimal("100.05"), Decimal("100.00"), TEN, QUARTER).deposit_due == Decimal(
        "0.00"
    )
    assert outcome(Decimal("100.15"), Decimal("100.00"), TEN, QUARTER).deposit_due == Decimal(
        "0.02"
    )
    # 0.06 * 0.25 = 0.015 -> 0.02; 0.02 * 0.25 = 0.005 -> 0.00
    assert outcome(Decimal("0.06"), Decimal("0"), TEN, QUARTER).odf_share == Decimal("0.02")
    assert outcome(Decimal("0.02"), Decimal("0"), TEN, QUARTER).odf_share == Decimal("0.00")


@given(cents, cents)
def test_nothing_is_owed_without_a_gain_and_shares_follow_the_gain(
    income: Decimal, baseline: Decimal
) -> None:
    o = outcome(income, baseline, TEN, QUARTER)
    assert o.incremental_income == income - baseline
    if income <= baseline:
        assert o.deposit_due == o.odf_share == 0
    else:
        gain = income - baseline
        assert o.deposit_due == (gain * TEN).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        assert o.odf_share == (gain * QUARTER).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        assert 0 <= o.deposit_due <= o.odf_share <= gain
        assert o.deposit_due.as_tuple().exponent == -2


@pytest.mark.parametrize("bad", ["-1", "10.005", "NaN", "Infinity"])
def test_amounts_are_pesos_and_centavos_never_negative(bad: str) -> None:
    with pytest.raises(InvalidData):
        money(Decimal(bad), "income")
    assert money(Decimal("10.5"), "income") == Decimal("10.50")
