"""A member's sales history by month (what the ODF reads beside the repayment record), and a
purchasing round's financing request becoming one loan application."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credit.domain.financing import FinancingRequest, FinancingStatus
from credit.domain.sales import Sale, by_month
from megp_common.refusals import StateConflict


def sale(order: str, on: date, amount: str, part: str, currency: str = "MXN") -> Sale:
    return Sale(order, "p1", "g1", "20", Decimal(amount), Decimal(part), currency, on)


def test_sales_sum_by_month_and_currency_oldest_first() -> None:
    months, totals = by_month(
        [
            sale("o3", date(2027, 4, 2), "100.00", "85.00"),
            sale("o1", date(2027, 3, 30), "150.00", "127.50"),
            sale("o2", date(2027, 3, 1), "49.99", "42.50"),
            sale("o4", date(2027, 3, 9), "20.00", "17.00", "USD"),
        ]
    )
    assert [(m.month, m.currency, m.count, m.amount, m.producer_part) for m in months] == [
        ("2027-03", "MXN", 2, Decimal("199.99"), Decimal("170.00")),
        ("2027-03", "USD", 1, Decimal("20.00"), Decimal("17.00")),
        ("2027-04", "MXN", 1, Decimal("100.00"), Decimal("85.00")),
    ]
    assert [(t.currency, t.count, t.amount) for t in totals] == [
        ("MXN", 3, Decimal("299.99")),
        ("USD", 1, Decimal("20.00")),
    ]
    assert sale("o1", date(2027, 3, 1), "1.00", "1.00").key == "o1:p1"


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
            st.integers(min_value=1, max_value=10**8),
        ),
        max_size=40,
    )
)
def test_the_months_add_up_to_the_totals(rows: list[tuple[date, int]]) -> None:
    sales = [
        sale(f"o{i}", on, str(Decimal(c).scaleb(-2)), str(Decimal(c // 2).scaleb(-2)))
        for i, (on, c) in enumerate(rows)
    ]
    months, totals = by_month(sales)
    assert sum(m.count for m in months) == len(sales) == sum(t.count for t in totals)
    assert sum((m.amount for m in months), Decimal(0)) == sum(
        (t.amount for t in totals), Decimal(0)
    )
    assert sum((t.amount for t in totals), Decimal(0)) == sum((s.amount for s in sales), Decimal(0))


def test_a_financing_request_is_applied_for_once() -> None:
    request = FinancingRequest(
        id="f1",
        round_id="r1",
        group_id="g1",
        odf_id="odf-1",
        state="20",
        item="lana cardada",
        amount=Decimal("162.16"),
        requested_by="staff",
        requested_on=date(2027, 3, 16),
    )
    assert request.purpose == "collective purchase of lana cardada (purchasing round r1)"
    request.apply_with("loan-1", date(2027, 3, 17))
    assert (request.status, request.loan_id) == (FinancingStatus.APPLIED, "loan-1")
    with pytest.raises(StateConflict):
        request.apply_with("loan-2", date(2027, 3, 18))
    assert request.loan_id == "loan-1"
