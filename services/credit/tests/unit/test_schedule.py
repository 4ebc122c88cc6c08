from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from credit.domain.schedule import (
    AmortizationMethod,
    add_months,
    build_schedule,
    cents,
    level_payment,
)


def schedule_or_refusal(principal, rate, months, first_due, method=AmortizationMethod.FRENCH):  # type: ignore[no-untyped-def]
    """The schedule; a refused degenerate term must really be one, and is not checked further."""
    try:
        return build_schedule(principal, rate, months, first_due, method)
    except ValueError as exc:
        assert "too long a term" in str(exc)
        payment = cents(level_payment(principal, rate, months))
        drift = Decimal("0.01") * months * (1 + rate / 12) ** months
        assert payment <= drift * 4, "only tiny instalments against a large drift are refused"
        assume(False)
        raise


principals = st.decimals(min_value=Decimal("100"), max_value=Decimal("5000000"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.60"), places=4)
terms = st.integers(min_value=1, max_value=120)
methods = st.sampled_from(list(AmortizationMethod))


@settings(max_examples=300, deadline=None)
@given(principals, rates, terms, methods)
def test_schedule_repays_exactly_the_principal_and_ends_at_zero(principal, rate, months, method):  # type: ignore[no-untyped-def]
    lines = schedule_or_refusal(principal, rate, months, date(2027, 1, 31), method)
    assert len(lines) == months
    assert sum(line.principal for line in lines) == principal
    assert lines[-1].balance_after == 0
    balance = principal
    for line in lines:
        assert line.principal >= 0 and line.interest >= 0
        assert line.interest == cents(balance * rate / 12)  # interest on what is still owed
        balance -= line.principal
        assert line.balance_after == balance
        for amount in (line.principal, line.interest):
            assert amount == amount.quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None)
@given(principals, rates.filter(lambda r: r > 0), st.integers(min_value=2, max_value=120))
def test_french_instalments_match_the_closed_form(principal, rate, months):  # type: ignore[no-untyped-def]
    lines = schedule_or_refusal(principal, rate, months, date(2027, 3, 15))
    expected = Decimal(str(npf.pmt(float(rate) / 12, months, -float(principal))))
    assert abs(level_payment(principal, rate, months) - expected) < Decimal("0.0001") * expected
    payment = cents(level_payment(principal, rate, months))
    assert all(line.total == payment for line in lines[:-1])
    # The last instalment absorbs the rounding of every line before it. Each line rounds by at
    # most a centavo, and a line's rounding error then grows with interest until the end:
    r = rate / 12
    bound = Decimal("0.01") * ((1 + r) ** months - 1) / r + Decimal("0.01")
    assert abs(lines[-1].total - payment) <= bound
    # total interest agrees with the independent formula within the centavo roundings
    npf_interest = -sum(
        npf.ipmt(float(rate) / 12, k, months, float(principal)) for k in range(1, months + 1)
    )
    total_interest = sum(line.interest for line in lines)
    assert abs(total_interest - Decimal(str(npf_interest))) <= bound * 2 + Decimal("0.01") * months


@settings(max_examples=200, deadline=None)
@given(principals, rates, st.integers(min_value=2, max_value=120))
def test_equal_principal_parts_are_equal_but_the_last(principal, rate, months):  # type: ignore[no-untyped-def]
    lines = build_schedule(
        principal, rate, months, date(2027, 1, 1), AmortizationMethod.EQUAL_PRINCIPAL
    )
    part = cents(principal / months)
    assert all(line.principal == part for line in lines[:-1] if line.balance_after > 0)
    interests = [line.interest for line in lines]
    assert interests == sorted(interests, reverse=True)  # interest falls as principal is repaid


def test_a_known_loan_to_the_centavo() -> None:
    lines = build_schedule(Decimal("10000.00"), Decimal("0.12"), 12, date(2027, 1, 31))
    assert [line.total for line in lines[:11]] == [Decimal("888.49")] * 11
    assert lines[0].interest == Decimal("100.00")
    assert (lines[-1].principal, lines[-1].interest) == (Decimal("879.67"), Decimal("8.80"))
    assert [line.due_date for line in lines[:3]] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]


def test_zero_rate_spreads_the_principal() -> None:
    lines = build_schedule(Decimal("100.00"), Decimal("0"), 3, date(2027, 1, 1))
    assert [line.principal for line in lines] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert all(line.interest == 0 for line in lines)


@pytest.mark.parametrize(
    ("principal", "rate", "months"),
    [
        (Decimal("0"), Decimal("0.1"), 12),
        (Decimal("100"), Decimal("0.1"), 0),
        (Decimal("100"), Decimal("-0.1"), 12),
    ],
)
def test_bad_terms_are_refused(principal: Decimal, rate: Decimal, months: int) -> None:
    with pytest.raises(ValueError):
        build_schedule(principal, rate, months, date(2027, 1, 1))


def test_a_degenerate_term_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="too long a term"):
        build_schedule(Decimal("100.00"), Decimal("0.3898"), 114, date(2027, 1, 1))


def test_add_months_keeps_the_day_or_the_month_end() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
