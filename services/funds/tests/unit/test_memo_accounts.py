"""The per-person memo accounts, held apart from the fund's balances (`Fund.memos`): every
control account equals the sum of its memo accounts, each memo pair balances within its
entry, and together they are still exactly what the journal makes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from funds.domain import accounts as acc
from funds.domain.deposits import Deposit, record_deposits
from funds.domain.errors import RuleBroken
from funds.domain.fund import Fund
from funds.domain.inflows import record_contribution
from funds.domain.ledger import EntryKind, Side, credit, debit, rebuild, without_zeros
from funds.domain.outflows import WithdrawalRequest, withdraw_development
from funds.domain.repayments import Instalment, instalment_due, replenish

from .helpers import OPENED, POLICY, grant, net_subfunds_identity, opened_fund

MEMBERS = [f"p{i}" for i in range(1, 7)]
FOURTH_YEAR = OPENED.replace(year=OPENED.year + 3) + timedelta(days=1)
CONTROLS = {
    acc.CONTRIBUTIONS_CONTROL: acc.member_contributions,
    acc.WITHDRAWALS_CONTROL: acc.member_withdrawals,
    acc.OWES_CONTROL: acc.borrower_owes,
}


def check_memos(fund: Fund) -> None:
    for control, memo in CONTROLS.items():
        people = fund.memos.keys()
        assert fund.balance(control) == sum(fund.balance(memo(p)) for p in people), control
    for person, record in fund.memos.items():
        assert record.person_id == person
        for accounts in record.balances.values():
            assert {acc.person_of(a) for a in accounts} == {person}
    for accounts in fund.balances.values():
        assert not any(acc.person_of(a) for a in accounts)  # the fund keeps no person's account
    for entry in fund.pending_entries:
        memo_lines = [
            line
            for line in entry.lines
            if acc.person_of(line.account) is not None or line.account in CONTROLS
        ]
        debits = sum(line.cents for line in memo_lines if line.side is Side.DEBIT)
        assert debits == sum(line.cents for line in memo_lines if line.side is Side.CREDIT)
    assert without_zeros(fund.all_balances()) == without_zeros(rebuild(fund.pending_entries))
    assert net_subfunds_identity(fund)


def test_each_control_account_equals_the_sum_of_its_memo_accounts_over_a_run() -> None:
    fund = opened_fund(members=MEMBERS)
    record_contribution(fund, "g", "g", grant("20000"), OPENED, POLICY)
    check_memos(fund)
    for month in range(12):
        at = OPENED + timedelta(days=30 * month)
        sheet = [Deposit(p, Decimal(100 + 10 * i + month)) for i, p in enumerate(MEMBERS)]
        record_deposits(fund, f"sheet-{month}", f"sheet-{month}", sheet, at, POLICY)
        check_memos(fund)
        borrower = MEMBERS[month % len(MEMBERS)]
        due = Instalment(f"loan-{month}", 1, "participant", borrower, at.date(), Decimal("250"),
                         Decimal("12.50"))  # fmt: skip
        instalment_due(fund, due, at, POLICY)
        check_memos(fund)
        if month % 2:
            replenish(fund, f"r-{month}", f"r-{month}", borrower, Decimal("100"), at, POLICY)
            check_memos(fund)
    assert fund.balance(acc.OWES_CONTROL) > 0  # some debts are still open
    for i, p in enumerate(MEMBERS[:4]):
        request = WithdrawalRequest(p, p, "medical_expenses", Decimal(50 + i), None)
        withdraw_development(fund, f"w-{p}", f"w-{p}", request, FOURTH_YEAR, POLICY)
        check_memos(fund)
    for p in MEMBERS:
        owed = fund.balance(acc.borrower_owes(p))
        if owed:
            replenish(fund, f"r-{p}", f"r-{p}", p, Decimal(owed) / 100, FOURTH_YEAR, POLICY)
            check_memos(fund)
    assert fund.balance(acc.OWES_CONTROL) == 0
    assert fund.balance(acc.WITHDRAWALS_CONTROL) == 5000 + 5100 + 5200 + 5300
    assert sorted(fund.memos) == MEMBERS
    # a fully replenished borrower keeps a zero account, as the journal's rebuild does
    assert all(acc.borrower_owes(p) in fund.memos[p].balances["MXN"] for p in MEMBERS)


def test_an_entry_refused_by_a_fund_account_moves_no_memo_account() -> None:
    fund = opened_fund(members=MEMBERS)
    record_deposits(fund, "d", "d", [Deposit("p1", Decimal("100"))], OPENED, POLICY)
    before = fund.model_dump()
    too_much = [
        debit(acc.member_withdrawals("p1"), 20000, participant_id="p1"),
        credit(acc.WITHDRAWALS_CONTROL, 20000),
        debit(acc.DEVELOPMENT, 20000),
        credit(acc.TRUST_CASH, 20000),
    ]
    with pytest.raises(RuleBroken, match="below zero"):
        fund.post(entry_id="w", kind=EntryKind.DEVELOPMENT_WITHDRAWAL, key="w", lines=too_much,
                  now=FOURTH_YEAR, description="more than the sub-fund holds")  # fmt: skip
    assert fund.model_dump() == before
    assert fund.balance(acc.member_withdrawals("p1")) == 0
    assert fund.balance(acc.member_contributions("p1")) == 10000
