"""Returns after a sale (trade's SaleReturned) taken from a member's period income: once per
event and per return, in the open period of the return's day, never from a closed result."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from enrollment.domain.errors import InvalidData
from enrollment.domain.group_period import GroupPeriod, SaleOutcome
from enrollment.domain.terms import ProgrammeTerms

from .test_group_period import plan, sheet_period
from .test_sales import APRIL_2, MARCH_20, sell


def give_back(
    doc: GroupPeriod,
    terms: ProgrammeTerms,
    event_id: str,
    part: str,
    *,
    return_id: str | None = None,
    producer: str = "m1",
    on: date = date(2031, 3, 18),
    planned: bool = True,
) -> SaleOutcome:
    return doc.count_return(
        plan(producer, terms) if planned else None,
        sale_id=event_id,
        return_id=return_id or f"return-{event_id}",
        order_id="order-1",
        participant_id=producer,
        producer_part=Decimal(part),
        returned_on=on,
        now=MARCH_20,
    )


def test_a_return_is_taken_once_and_the_closing_subtracts_it(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    member = plan("m1", terms, baseline="1000.00")
    sell(doc, terms, "e1", "500.00")
    assert give_back(doc, terms, "r1", "85.00") is SaleOutcome.COUNTED
    assert give_back(doc, terms, "r1", "85.00") is SaleOutcome.DUPLICATE  # redelivered
    assert give_back(doc, terms, "r9", "85.00", return_id="return-r1") is SaleOutcome.DUPLICATE
    line = doc.lines["m1"]
    assert line.returns_total == Decimal("85.00")
    [result] = doc.close_group({"m1": Decimal("1000.00")}, {"m1": member}, terms, APRIL_2)
    assert (result.income_typed, result.sales, result.returns, result.income) == (
        Decimal("1000.00"),
        Decimal("500.00"),
        Decimal("85.00"),
        Decimal("1415.00"),
    )
    assert result.deposit_due == Decimal("41.50")  # 10 % of 415.00


def test_a_return_for_a_closed_period_is_kept_and_changes_nothing(
    terms: ProgrammeTerms,
) -> None:
    doc = sheet_period()
    member = plan("m1", terms)
    sell(doc, terms, "e1", "500.00")
    [result] = doc.close_group({"m1": Decimal("100.00")}, {"m1": member}, terms, APRIL_2)
    before = result.model_copy()
    assert give_back(doc, terms, "r1", "85.00") is SaleOutcome.LATE
    line = doc.lines["m1"]
    assert [r.sale_id for r in line.late_returns] == ["r1"] and not line.returns
    assert line.current == before


def test_a_return_without_a_plan_or_outside_the_period(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    assert give_back(doc, terms, "r1", "5.00", planned=False) is SaleOutcome.UNPLANNED
    assert [r.return_id for r in doc.unplanned_returns] == ["return-r1"]
    with pytest.raises(InvalidData):
        give_back(doc, terms, "r2", "5.00", on=date(2031, 5, 1))
    with pytest.raises(InvalidData):
        give_back(doc, terms, "r3", "-5.00")
