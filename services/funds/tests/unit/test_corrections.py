from __future__ import annotations

from datetime import timedelta

import pytest

from funds.domain import accounts as acc
from funds.domain.corrections import reverse_grant
from funds.domain.deposits import Deposit, record_deposits
from funds.domain.errors import RuleBroken
from funds.domain.inflows import record_contribution
from funds.domain.ledger import EntryKind

from .helpers import OPENED, POLICY, events, grant, net_subfunds_identity, opened_fund

LATER = OPENED + timedelta(days=2)


def test_a_grant_posted_by_mistake_is_undone_by_its_mirror_and_only_once() -> None:
    fund = opened_fund()
    record_contribution(fund, "e0", "k0", grant("300.00"), OPENED, POLICY)
    before = {a: fund.balance(a) for a in (acc.TRUST_CASH, acc.DEVELOPMENT, acc.COMPETITION)}
    wrong = record_contribution(fund, "e1", "k1", grant("1000.01"), OPENED, POLICY)
    assert wrong is not None
    fund.clear_pending()
    fix = reverse_grant(fund, "r1", "kr", wrong, "typed 1000.01 for 100.01", LATER, POLICY)
    assert fix is not None and fix.kind is EntryKind.REVERSAL and fix.reverses == "e1"
    assert {a: fund.balance(a) for a in before} == before
    assert fund.initial_other_cents == 30000
    assert net_subfunds_identity(fund)
    assert events(fund) == ["EntryReversed"]
    assert reverse_grant(fund, "r1", "kr", wrong, "again", LATER, POLICY) is None  # replay
    with pytest.raises(RuleBroken, match="already reversed"):
        reverse_grant(fund, "r2", "kr2", wrong, "twice", LATER, POLICY)


def test_a_grant_already_spent_cannot_be_reversed_and_a_deposit_is_not_reversed_this_way() -> None:
    fund = opened_fund()
    gift = record_contribution(fund, "e1", "k1", grant("100.00"), OPENED, POLICY)
    assert gift is not None
    fund.balances["MXN"][acc.COMPETITION] -= 1000  # as if 10.00 had been spent
    fund.balances["MXN"][acc.TRUST_CASH] -= 1000
    with pytest.raises(RuleBroken, match="below zero"):
        reverse_grant(fund, "r1", "kr", gift, "late", LATER, POLICY)
    deposit = record_deposits(fund, "e2", "k2", [Deposit("p1", 5000)], OPENED, POLICY)
    assert deposit is not None
    with pytest.raises(RuleBroken, match="not corrected by reversal"):
        reverse_grant(fund, "r2", "kr2", deposit, "no", LATER, POLICY)
