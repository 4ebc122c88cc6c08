from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from funds.domain import accounts as acc
from funds.domain.deposits import Deposit, record_deposits
from funds.domain.errors import NotAllowed, RuleBroken
from funds.domain.inflows import record_contribution
from funds.domain.outflows import (
    SpendRequest,
    WithdrawalRequest,
    approve_competition_spend,
    member_share,
    withdraw_development,
)
from funds.domain.repayments import Instalment, instalment_due, replenish
from funds.domain.schedule import run_due

from .helpers import OPENED, POLICY, events, grant, net_subfunds_identity, opened_fund

FOURTH_YEAR = OPENED.replace(year=OPENED.year + 3)


def spend(
    purpose: str = "market_studies", by: str | None = "p1", amount: str = "100"
) -> SpendRequest:
    return SpendRequest(purpose, Decimal(amount), "Estudios SA", "a study", by)


def test_only_a_board_representative_approves_competition_spending() -> None:
    fund = opened_fund(board=["p1"])
    record_contribution(fund, "g", "k", grant("1000"), OPENED, POLICY)
    with pytest.raises(NotAllowed, match="¶55"):
        approve_competition_spend(fund, "s1", "k", spend(by="p2"), OPENED)
    with pytest.raises(RuleBroken, match="¶72"):
        approve_competition_spend(fund, "s1", "k", spend(purpose="party"), OPENED)
    with pytest.raises(RuleBroken, match="below zero"):
        approve_competition_spend(fund, "s1", "k", spend(amount="500.01"), OPENED)
    approve_competition_spend(fund, "s1", "k", spend(), OPENED)
    assert fund.balance(acc.COMPETITION) == 40000
    assert fund.balance(acc.DEVELOPMENT) == 50000
    assert net_subfunds_identity(fund)


def _deposits(fund_amounts: dict[str, str]) -> list[Deposit]:
    return [Deposit(pid, Decimal(a)) for pid, a in fund_amounts.items()]


def withdrawal(
    pid: str,
    amount: str,
    purpose: str = "housing",
    by: str | None = None,
    birth: date | None = None,
) -> WithdrawalRequest:
    return WithdrawalRequest(pid, by or pid, purpose, Decimal(amount), birth)


def test_development_withdrawals_follow_the_fourth_year_purposes_share_and_age_rules() -> None:
    fund = opened_fund()
    record_deposits(fund, "d", "k", _deposits({"p1": "300", "p2": "100"}), OPENED, POLICY)
    # Development Sub-Fund: 200.00; p1 deposited 3/4 of everything -> 150.00
    assert member_share(fund, "p1") == 15000
    with pytest.raises(RuleBroken, match="fourth year"):
        withdraw_development(fund, "w", "k", withdrawal("p1", "10"), OPENED, POLICY)
    with pytest.raises(NotAllowed):
        withdraw_development(fund, "w", "k", withdrawal("p1", "10", by="p2"), FOURTH_YEAR, POLICY)
    with pytest.raises(RuleBroken, match="five uses"):
        withdraw_development(fund, "w", "k", withdrawal("p1", "10", "car"), FOURTH_YEAR, POLICY)
    with pytest.raises(RuleBroken, match="age 60"):
        too_young = withdrawal("p1", "10", "retirement_fund", birth=date(1980, 1, 1))
        withdraw_development(fund, "w", "k", too_young, FOURTH_YEAR, POLICY)
    with pytest.raises(RuleBroken, match="¶74"):
        withdraw_development(fund, "w", "k", withdrawal("p1", "150.01"), FOURTH_YEAR, POLICY)
    old_enough = withdrawal("p1", "100", "retirement_fund", birth=date(1970, 1, 1))
    withdraw_development(fund, "w", "k", old_enough, FOURTH_YEAR, POLICY)
    assert member_share(fund, "p1") == 5000
    assert member_share(fund, "p2") == 5000  # another member's draw does not shrink p2's share
    assert fund.balance(acc.member_withdrawals("p1")) == 10000


def due(total: str, number: int = 1, on: date = OPENED.date()) -> Instalment:
    return Instalment("loan1", number, "participant", "p2", on, Decimal(total), Decimal("0"))


def test_an_instalment_is_paid_competition_first_then_development() -> None:
    fund = opened_fund()
    record_contribution(fund, "g", "k", grant("1000"), OPENED, POLICY)
    fund.clear_pending()
    instalment_due(fund, due("700"), OPENED, POLICY)
    assert fund.balance(acc.COMPETITION) == 0
    assert fund.balance(acc.DEVELOPMENT) == 30000
    assert fund.balance(acc.borrower_owes("p2")) == 70000
    assert events(fund) == ["FundRepaymentMade"]
    instalment_due(fund, due("700"), OPENED, POLICY)  # announced again: paid once
    assert fund.balance(acc.borrower_owes("p2")) == 70000
    assert net_subfunds_identity(fund)


def test_an_instalment_the_fund_cannot_cover_is_not_paid_at_all() -> None:
    fund = opened_fund()
    record_contribution(fund, "g", "k", grant("100"), OPENED, POLICY)
    fund.clear_pending()
    instalment_due(fund, due("100.01"), OPENED, POLICY)
    assert events(fund) == ["FundRepaymentFailed"]
    assert fund.balance(acc.TRUST_CASH) == 10000


def test_an_instalment_due_later_is_paid_by_the_scheduler_on_its_day() -> None:
    fund = opened_fund()
    record_contribution(fund, "g", "k", grant("100"), OPENED, POLICY)
    later = OPENED.date() + timedelta(days=10)
    instalment_due(fund, due("50", on=later), OPENED, POLICY)
    assert fund.balance(acc.TRUST_CASH) == 10000 and "loan1-1" in fund.scheduled
    run_due(fund, OPENED + timedelta(days=10), POLICY)
    assert fund.balance(acc.TRUST_CASH) == 5000 and not fund.scheduled


def test_replenishments_refill_the_sub_fund_drawn_last_and_a_notice_follows_the_grace() -> None:
    fund = opened_fund()
    record_contribution(fund, "g", "k", grant("1000"), OPENED, POLICY)
    instalment_due(fund, due("700"), OPENED, POLICY)
    replenish(fund, "r1", "k", "p2", Decimal("300"), OPENED, POLICY)
    assert fund.balance(acc.DEVELOPMENT) == 50000  # 200 drawn from development came back first
    assert fund.balance(acc.COMPETITION) == 10000
    with pytest.raises(RuleBroken):
        replenish(fund, "r2", "k", "p2", Decimal("400.01"), OPENED, POLICY)
    fund.clear_pending()
    assert not run_due(fund, OPENED + timedelta(days=30), POLICY)
    assert run_due(fund, OPENED + timedelta(days=31), POLICY)
    assert events(fund) == ["NonFulfillmentNoticeIssued"]
    assert fund.notices[0].owed_cents == 40000
    assert not run_due(fund, OPENED + timedelta(days=60), POLICY)  # one notice per stretch
    replenish(fund, "r3", "k", "p2", Decimal("400"), OPENED, POLICY)
    assert fund.debts["p2"].owed_cents == 0 and fund.balance(acc.COMPETITION) == 50000
    assert net_subfunds_identity(fund)
