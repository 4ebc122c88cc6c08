"""Completed sales (trade's SaleCompleted) counted in a member's business period: once, in the
period that contains the sale's day, never into a closed result."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from enrollment.domain.errors import InvalidData
from enrollment.domain.group_period import GroupPeriod, IncomeSource, SaleOutcome
from enrollment.domain.periods import Period, calendar_period
from enrollment.domain.terms import ProgrammeTerms

from .test_group_period import MARCH, plan, sheet_period

APRIL_2 = datetime(2031, 4, 2, tzinfo=UTC)
MARCH_20 = datetime(2031, 3, 20, tzinfo=UTC)


def sell(
    doc: GroupPeriod,
    terms: ProgrammeTerms,
    sale_id: str,
    part: str,
    *,
    order_id: str | None = None,
    producer: str = "m1",
    on: date = date(2031, 3, 15),
    planned: bool = True,
) -> SaleOutcome:
    return doc.count_sale(
        plan(producer, terms) if planned else None,
        sale_id=sale_id,
        order_id=order_id or f"order-{sale_id}",
        participant_id=producer,
        producer_part=Decimal(part),
        completed_on=on,
        now=MARCH_20,
    )


def test_a_sale_is_counted_once_by_event_and_by_order(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    assert sell(doc, terms, "e1", "150.25") is SaleOutcome.COUNTED
    assert sell(doc, terms, "e1", "150.25") is SaleOutcome.DUPLICATE  # redelivered
    assert sell(doc, terms, "e9", "150.25", order_id="order-e1") is SaleOutcome.DUPLICATE
    assert sell(doc, terms, "e2", "49.76") is SaleOutcome.COUNTED
    line = doc.lines["m1"]
    assert [s.sale_id for s in line.sales] == ["e1", "e2"]
    assert line.sales_total == Decimal("200.01")
    assert line.total_income is None  # the other income is still to be typed


def test_the_closing_counts_typed_income_plus_sales(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    member = plan("m1", terms, baseline="1000.00")
    sell(doc, terms, "e1", "150.25")
    sell(doc, terms, "e2", "49.76")
    [result] = doc.close_group({"m1": Decimal("1000.00")}, {"m1": member}, terms, APRIL_2)
    assert (result.income_typed, result.sales, result.income) == (
        Decimal("1000.00"),
        Decimal("200.01"),
        Decimal("1200.01"),
    )
    assert result.incremental_income == Decimal("200.01")
    assert result.deposit_due == Decimal("20.00")  # 10 % of 200.01, half-even
    assert result.odf_share == Decimal("50.00")  # 25 % of 200.01 = 50.0025
    [closed] = doc.pending_events()[-1].payload.results  # type: ignore[attr-defined]
    assert closed.income == Decimal("1200.01") and closed.deposit_due == Decimal("20.00")


def test_sales_alone_can_make_the_increase(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    member = plan("m1", terms, baseline="1000.00")
    doc.record_income(member, Decimal("0.00"), MARCH_20)
    sell(doc, terms, "e1", "1400.00")
    result = doc.close_member(member, terms, APRIL_2)
    assert result.income == Decimal("1400.00") and result.incremental_income == Decimal("400.00")
    assert (result.deposit_due, result.odf_share) == (Decimal("40.00"), Decimal("100.00"))


def test_a_sale_for_a_closed_period_is_kept_and_changes_nothing(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    member = plan("m1", terms, baseline="1000.00")
    doc.close_group({"m1": Decimal("1100.00")}, {"m1": member}, terms, APRIL_2)
    before = doc.lines["m1"].current
    assert sell(doc, terms, "late", "300.00") is SaleOutcome.LATE
    assert sell(doc, terms, "late", "300.00") is SaleOutcome.DUPLICATE
    line = doc.lines["m1"]
    assert [s.sale_id for s in line.late_sales] == ["late"] and line.sales == []
    assert line.current == before and before is not None
    assert before.income == Decimal("1100.00") and before.deposit_due == Decimal("10.00")


def test_a_sale_without_a_plan_is_unplanned_revenue(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    assert sell(doc, terms, "u1", "80.00", producer="stranger", planned=False) is (
        SaleOutcome.UNPLANNED
    )
    assert sell(doc, terms, "u1", "80.00", producer="stranger", planned=False) is (
        SaleOutcome.DUPLICATE
    )
    assert [s.participant_id for s in doc.unplanned_sales] == ["stranger"]
    assert doc.lines == {}


def test_a_sale_outside_the_period_or_badly_stated_is_refused(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    with pytest.raises(InvalidData):
        sell(doc, terms, "e1", "10.00", on=date(2031, 4, 1))
    with pytest.raises(InvalidData):
        sell(doc, terms, "e2", "10.005")
    with pytest.raises(InvalidData):  # the plan must be the producer's
        doc.count_sale(
            plan("m1", terms),
            sale_id="e4",
            order_id="o",
            participant_id="m2",
            producer_part=Decimal("1"),
            completed_on=date(2031, 3, 2),
            now=MARCH_20,
        )
    assert doc.lines == {}


def test_the_period_that_contains_the_sale(terms: ProgrammeTerms) -> None:
    quarterly = plan("m1", terms, start=date(2031, 2, 1), months=3)
    assert quarterly.period_containing(date(2031, 2, 1)) == Period(date(2031, 2, 1), 3)
    assert quarterly.period_containing(date(2031, 4, 30)) == Period(date(2031, 2, 1), 3)
    assert quarterly.period_containing(date(2031, 5, 1)) == Period(date(2031, 5, 1), 3)
    assert quarterly.period_containing(date(2031, 1, 31)) is None  # before the plan began
    assert plan("m1", terms).period_containing(date(2031, 3, 31)) == MARCH
    assert calendar_period(6, date(2031, 8, 15)) == Period(date(2031, 7, 1), 6)
    assert calendar_period(1, date(2031, 3, 31)) == MARCH


def test_a_royalty_counts_beside_the_sales_in_the_closing(terms: ProgrammeTerms) -> None:
    """ip-counsel's RoyaltyReceived is the inventor's income like a sale: counted once per event
    and per payment, in the same total, kept with its source."""
    doc = sheet_period()
    member = plan("m1", terms, baseline="1000.00")
    sell(doc, terms, "e1", "100.00")

    def royalty(event_id: str, payment: str) -> SaleOutcome:
        return doc.count_sale(
            member,
            sale_id=event_id,
            order_id=f"royalty:{payment}",
            participant_id="m1",
            producer_part=Decimal("187.51"),
            completed_on=date(2031, 3, 16),
            now=MARCH_20,
            source=IncomeSource.ROYALTY,
        )

    assert royalty("r1", "p1") is SaleOutcome.COUNTED
    assert royalty("r1", "p1") is SaleOutcome.DUPLICATE
    assert royalty("r2", "p1") is SaleOutcome.DUPLICATE  # the same payment's part again
    line = doc.lines["m1"]
    assert [s.source for s in line.sales] == [IncomeSource.SALE, IncomeSource.ROYALTY]
    [result] = doc.close_group({"m1": Decimal("1000.00")}, {"m1": member}, terms, APRIL_2)
    assert (result.sales, result.income) == (Decimal("287.51"), Decimal("1287.51"))
    assert result.deposit_due == Decimal("28.75")  # 10 % of 287.51, half-even
