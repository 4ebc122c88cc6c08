"""Ledger invariants under any sequence of operations (hypothesis)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from funds.domain import accounts as acc
from funds.domain.deposits import Deposit, record_deposits
from funds.domain.errors import FundError
from funds.domain.fund import Fund
from funds.domain.inflows import record_contribution, return_temporary
from funds.domain.ledger import check_balanced, rebuild, without_zeros
from funds.domain.outflows import (
    SpendRequest,
    WithdrawalRequest,
    approve_competition_spend,
    member_share,
    withdraw_development,
)
from funds.domain.repayments import Instalment, instalment_due, replenish

from .helpers import MEMBERS, OPENED, POLICY, grant, net_subfunds_identity, opened_fund, temporary

NOW = OPENED.replace(year=OPENED.year + 3) + timedelta(days=1)
amounts = st.integers(min_value=1, max_value=5_000_000).map(lambda c: Decimal(c) / 100)
members = st.sampled_from(MEMBERS)

Op = Callable[[Fund, str], object]


def op_grant(amount: Decimal) -> Op:
    return lambda f, k: record_contribution(f, f"e{k}", k, grant(str(amount)), NOW, POLICY)


def op_temporary(amount: Decimal) -> Op:
    gift = temporary(str(amount), NOW.date() + timedelta(days=365))
    return lambda f, k: record_contribution(f, f"e{k}", k, gift, NOW, POLICY)


def op_return(index: int) -> Op:
    def run(f: Fund, k: str) -> object:
        held = sorted(f.temporary)
        return return_temporary(f, f"e{k}", k, held[index % len(held)] if held else "none", NOW)

    return run


def op_deposit(sheet: list[tuple[str, Decimal]]) -> Op:
    items = [Deposit(pid, amount) for pid, amount in dict(sheet).items()]
    return lambda f, k: record_deposits(f, f"e{k}", k, items, NOW, POLICY)


def op_spend(amount: Decimal) -> Op:
    request = SpendRequest("trade_fairs_sales_promotion", amount, "Expo", "stand", "p1")
    return lambda f, k: approve_competition_spend(f, f"e{k}", k, request, NOW)


def op_withdraw(pid: str, amount: Decimal) -> Op:
    request = WithdrawalRequest(pid, pid, "medical_expenses", amount, None)
    return lambda f, k: withdraw_development(f, f"e{k}", k, request, NOW, POLICY)


def op_instalment(amount: Decimal, borrower: str) -> Op:
    def run(f: Fund, k: str) -> object:
        due = Instalment(f"loan{k}", 1, "participant", borrower, NOW.date(), amount, Decimal(0))
        instalment_due(f, due, NOW, POLICY)
        return None

    return run


def op_replenish(amount: Decimal, borrower: str) -> Op:
    return lambda f, k: replenish(f, f"e{k}", k, borrower, amount, NOW, POLICY)


operations = st.one_of(
    amounts.map(op_grant),
    amounts.map(op_temporary),
    st.integers(0, 5).map(op_return),
    st.lists(st.tuples(members, amounts), min_size=1, max_size=3).map(op_deposit),
    amounts.map(op_spend),
    st.builds(op_withdraw, members, amounts),
    st.builds(op_instalment, amounts, members),
    st.builds(op_replenish, amounts, members),
)


def snapshot(fund: Fund) -> dict[str, object]:
    return fund.model_dump(exclude={"applied"})


@settings(max_examples=150, deadline=None)
@given(st.lists(operations, min_size=1, max_size=25))
def test_every_sequence_keeps_the_ledger_sound_and_replays_change_nothing(ops: list[Op]) -> None:
    fund = opened_fund()
    for index, op in enumerate(ops):
        before = snapshot(fund)
        try:
            op(fund, str(index))
        except FundError:
            assert snapshot(fund) == before, "a refused action must leave no trace"
            continue
        after = snapshot(fund)
        with contextlib.suppress(FundError):
            op(fund, str(index))  # the same request or event again
        assert snapshot(fund) == after, "a replay must change nothing"

        for entry in fund.pending_entries:
            check_balanced(entry.lines)
        for account in (acc.DEVELOPMENT, acc.COMPETITION, acc.TRUST_CASH):
            assert fund.balance(account) >= 0
        assert net_subfunds_identity(fund)
        assert fund.balance(acc.TEMPORARY_WITHIN) == fund.balance(acc.TEMPORARY_TO_RETURN)
        owed = sum(d.owed_cents for d in fund.debts.values())
        assert fund.balance(acc.OWES_CONTROL) == owed
        people = fund.memos.keys()
        for control, memo in (
            (acc.CONTRIBUTIONS_CONTROL, acc.member_contributions),
            (acc.WITHDRAWALS_CONTROL, acc.member_withdrawals),
            (acc.OWES_CONTROL, acc.borrower_owes),
        ):
            assert fund.balance(control) == sum(fund.balance(memo(p)) for p in people)
        assert without_zeros(rebuild(fund.pending_entries)) == without_zeros(fund.all_balances())
        assert [e.seq for e in fund.pending_entries] == list(range(1, fund.next_seq))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(members, amounts), min_size=1, max_size=8),
    st.lists(st.tuples(members, st.integers(min_value=1, max_value=100)), max_size=9),
    st.randoms(use_true_random=False),
)
def test_a_members_share_is_the_same_whatever_the_others_drew_before(
    sheet: list[tuple[str, Decimal]], draws: list[tuple[str, int]], rng: random.Random
) -> None:
    """Members of one group withdraw at the same time (funds' writer commits them in arrival
    order, which nobody chooses): what each may draw must not depend on that order [¶74]."""

    def play(order: list[tuple[str, int]]) -> dict[str, int]:
        fund = opened_fund()
        items = [Deposit(pid, amount) for pid, amount in dict(sheet).items()]
        record_deposits(fund, "d", "k", items, NOW, POLICY)
        shares = {pid: member_share(fund, pid) for pid in MEMBERS}
        for n, (pid, percent) in enumerate(order):
            # each asks for a part of the share they read before anyone drew
            cents = shares[pid] * percent // 100
            if cents < 1:
                continue
            assert cents <= member_share(fund, pid)  # what they read still holds
            request = WithdrawalRequest(pid, pid, "housing", Decimal(cents) / 100, None)
            withdraw_development(fund, f"w{n}", f"k{n}", request, NOW, POLICY)
        assert fund.balance(acc.DEVELOPMENT) >= 0
        assert net_subfunds_identity(fund)
        return {pid: fund.balance(acc.member_withdrawals(pid)) for pid in MEMBERS}

    once = list(dict(draws).items())  # each member draws once (their own draws are theirs to order)
    shuffled = list(once)
    rng.shuffle(shuffled)
    assert play(once) == play(shuffled)
