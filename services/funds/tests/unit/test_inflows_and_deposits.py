from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from funds.domain import accounts as acc
from funds.domain.deposits import (
    Deposit,
    PeriodResult,
    create_obligation,
    create_obligations,
    overdue,
    record_deposits,
    replace_obligation,
)
from funds.domain.errors import FundNotOpen, InvalidInput, RuleBroken
from funds.domain.fund import new_fund
from funds.domain.inflows import Contribution, record_contribution, return_temporary
from funds.domain.policy import InflowSource
from funds.domain.schedule import run_due

from .helpers import OPENED, POLICY, events, grant, net_subfunds_identity, opened_fund, temporary


def test_a_grant_is_split_half_and_half_with_the_odd_centavo_to_development() -> None:
    fund = opened_fund()
    entry = record_contribution(fund, "e1", "k1", grant("1000.01"), OPENED, POLICY)
    assert entry is not None and entry.seq == 1
    assert fund.balance(acc.TRUST_CASH) == 100001
    assert fund.balance(acc.DEVELOPMENT) == 50001
    assert fund.balance(acc.COMPETITION) == 50000
    assert events(fund) == ["InflowRecorded"]
    assert net_subfunds_identity(fund)


def test_dollars_are_converted_at_the_given_rate_and_both_amounts_kept() -> None:
    fund = opened_fund()
    gift = Contribution(
        donor="Club Michoacano",
        source=InflowSource.IMMIGRANT_ASSOCIATION,
        amount=Decimal("100.00"),
        currency="USD",
        exchange_rate=Decimal("17.2551"),
    )
    entry = record_contribution(fund, "e1", "k1", gift, OPENED, POLICY)
    assert entry is not None
    assert fund.balance(acc.TRUST_CASH) == 172551  # 1725.51 MXN, half-even
    assert fund.balance(acc.fx_received("USD"), "USD") == 10000
    assert entry.metadata["original_amount"] == "100.00"
    event = fund.pending_events()[0].payload
    assert event.original_currency == "USD" and event.exchange_rate == Decimal("17.2551")  # type: ignore[attr-defined]


def test_foreign_money_without_a_rate_is_refused() -> None:
    fund = opened_fund()
    gift = Contribution("X", InflowSource.INTERNATIONAL, Decimal("5"), currency="USD")
    with pytest.raises(InvalidInput):
        record_contribution(fund, "e1", "k1", gift, OPENED, POLICY)
    assert fund.balances == {} and fund.pending_entries == []


def test_a_temporary_contribution_is_a_liability_until_returned() -> None:
    fund = opened_fund()
    record_contribution(fund, "t1", "k1", temporary("500.00", date(2031, 1, 1)), OPENED, POLICY)
    assert fund.balance(acc.TEMPORARY_TO_RETURN) == 50000
    assert net_subfunds_identity(fund)
    return_temporary(fund, "r1", "k2", "t1", OPENED)
    assert fund.balance(acc.TEMPORARY_TO_RETURN) == 0
    assert fund.balance(acc.TRUST_CASH) == 0
    with pytest.raises(RuleBroken):
        return_temporary(fund, "r2", "k3", "t1", OPENED)


def test_nothing_moves_before_the_fund_is_open() -> None:
    with pytest.raises(FundNotOpen):
        record_contribution(new_fund("g"), "e1", "k", grant("1"), OPENED, POLICY)


def test_replaying_a_request_posts_nothing() -> None:
    fund = opened_fund()
    record_contribution(fund, "e1", "k1", grant("10"), OPENED, POLICY)
    assert record_contribution(fund, "e1", "k1", grant("10"), OPENED, POLICY) is None
    assert fund.balance(acc.TRUST_CASH) == 1000 and len(fund.pending_entries) == 1


def _result(rid: str, pid: str, due: str) -> PeriodResult:
    return PeriodResult(rid, pid, date(2030, 1, 1), date(2030, 1, 31), Decimal(due))


def test_period_results_create_obligations_once_and_deposits_settle_the_oldest_first() -> None:
    fund = opened_fund()
    assert create_obligation(fund, _result("r1", "p1", "100"), POLICY)
    assert not create_obligation(fund, _result("r1", "p1", "100"), POLICY)
    assert not create_obligation(fund, _result("r0", "p2", "0"), POLICY)
    create_obligation(fund, _result("r2", "p1", "50"), POLICY)
    fund.clear_pending()
    record_deposits(fund, "d1", "k", [Deposit("p1", Decimal("120"))], OPENED, POLICY)
    # r1 is settled: it leaves the document for the archive; r2 stays open
    assert "r1" not in fund.obligations
    assert [(o.obligation_id, o.outstanding_cents) for o in fund.archive_pending] == [("r1", 0)]
    assert fund.closed_obligations == ["r1"] and fund.archive_months == ["2030-01"]
    assert fund.obligations["r2"].outstanding_cents == 3000
    assert not create_obligation(fund, _result("r1", "p1", "100"), POLICY)  # a late duplicate
    assert events(fund) == ["InflowRecorded", "DepositObligationsSettled"]
    settled = fund.pending_events()[-1].payload
    assert [
        (s.obligation_id, s.settled_now, s.outstanding, s.fully_settled)
        for s in settled.settlements
    ] == [
        ("r1", Decimal("100.00"), Decimal("0.00"), True),
        ("r2", Decimal("20.00"), Decimal("30.00"), False),
    ]
    late = fund.obligations["r2"].due_on + timedelta(days=1)
    assert [o.obligation_id for o in overdue(fund, late)] == ["r2"]


def test_a_group_closing_is_one_event_per_period_listing_each_new_obligation() -> None:
    fund = opened_fund()
    results = [_result(f"r{i}", f"p{i}", str(10 * i)) for i in range(4)]  # r0 owes nothing
    assert create_obligations(fund, results, POLICY) == 3
    assert create_obligations(fund, results, POLICY) == 0  # a redelivery creates nothing
    assert events(fund) == ["DepositObligationsCreated"]
    created = fund.pending_events()[0].payload
    assert [(o.obligation_id, o.amount) for o in created.obligations] == [
        ("r1", Decimal("10.00")),
        ("r2", Decimal("20.00")),
        ("r3", Decimal("30.00")),
    ]
    assert created.total == Decimal("60.00") and created.due_on == fund.obligations["r1"].due_on


def test_a_monthly_sheet_is_one_entry_with_a_line_per_member() -> None:
    fund = opened_fund()
    sheet = [Deposit("p1", Decimal("10")), Deposit("p2", Decimal("20.01"))]
    entry = record_deposits(fund, "s1", "k", sheet, OPENED, POLICY)
    assert entry is not None
    member_lines = {ln.participant_id for ln in entry.lines if ln.participant_id}
    assert member_lines == {"p1", "p2"}
    assert fund.balance(acc.member_contributions("p2")) == 2001
    assert fund.balance(acc.CONTRIBUTIONS_CONTROL) == 3001


def test_a_sheet_with_a_stranger_or_a_repeated_member_is_refused_whole() -> None:
    fund = opened_fund()
    for sheet in (
        [Deposit("p1", Decimal("1")), Deposit("stranger", Decimal("1"))],
        [Deposit("p1", Decimal("1")), Deposit("p1", Decimal("1"))],
        [Deposit("p1", Decimal("0"))],
    ):
        with pytest.raises(InvalidInput):
            record_deposits(fund, "s1", "k", sheet, OPENED, POLICY)
    assert fund.balances == {}


def test_the_initial_period_closes_at_the_end_of_the_third_month_with_its_deposits() -> None:
    fund = opened_fund()
    record_deposits(fund, "d1", "k", [Deposit("p1", Decimal("300"))], OPENED, POLICY)
    record_contribution(fund, "g1", "k", grant("1000"), OPENED, POLICY)
    fund.clear_pending()
    assert not run_due(fund, OPENED + timedelta(days=88), POLICY)
    assert run_due(fund, OPENED + timedelta(days=90), POLICY)  # 15 Apr 2030
    closed = fund.pending_events()[0].payload
    assert closed.total_deposited == Decimal("300.00")  # type: ignore[attr-defined]
    assert closed.other_inflows == Decimal("1000.00")  # type: ignore[attr-defined]
    assert not run_due(fund, OPENED + timedelta(days=200), POLICY)


def test_a_settled_obligation_cannot_be_named_again() -> None:
    fund = opened_fund()
    create_obligation(fund, _result("r1", "p1", "100"), POLICY)
    record_deposits(fund, "d1", "k", [Deposit("p1", Decimal("100"), "r1")], OPENED, POLICY)
    with pytest.raises(InvalidInput, match="is closed"):
        record_deposits(fund, "d2", "k2", [Deposit("p1", Decimal("5"), "r1")], OPENED, POLICY)


def test_a_correction_carries_what_was_paid_also_from_the_archive() -> None:
    fund = opened_fund()
    create_obligation(fund, _result("r1", "p1", "100"), POLICY)
    record_deposits(fund, "d1", "k", [Deposit("p1", Decimal("40"))], OPENED, POLICY)
    replace_obligation(fund, "r1", _result("r1b", "p1", "150"), POLICY)
    assert fund.obligations["r1b"].outstanding_cents == 11000  # 150 less the 40 paid
    assert [(o.obligation_id, o.replaced_by) for o in fund.archive_pending] == [("r1", "r1b")]

    # the replaced obligation was settled and copied out before the correction came
    archived = fund.obligations["r1b"].model_copy(update={"settled_cents": 15000})
    fund2 = opened_fund()
    replace_obligation(fund2, "r1b", _result("r1c", "p1", "120"), POLICY, archived)
    assert "r1c" not in fund2.obligations  # already covered: closed at once
    closed = {o.obligation_id: o for o in fund2.archive_pending}
    assert closed["r1b"].replaced_by == "r1c" and closed["r1c"].settled_cents == 15000


def test_the_document_remembers_a_bounded_number_of_closed_obligations() -> None:
    fund = opened_fund()
    fund.remember_obligations = 3
    for i in range(5):
        create_obligation(fund, _result(f"r{i}", "p1", "10"), POLICY)
        record_deposits(fund, f"d{i}", f"k{i}", [Deposit("p1", Decimal("10"))], OPENED, POLICY)
    assert fund.closed_obligations == ["r2", "r3", "r4"] and not fund.obligations
    fund.forget_archived({"r0", "r1"})
    assert [o.obligation_id for o in fund.archive_pending] == ["r2", "r3", "r4"]
