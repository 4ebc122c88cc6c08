from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funds.domain import accounts as acc
from funds.domain.ledger import UnbalancedEntry, apply_lines, check_balanced, credit, debit
from funds.domain.policy import SubFund, split_inflow


def test_a_balanced_entry_passes_and_an_unbalanced_one_is_refused() -> None:
    check_balanced([debit(acc.TRUST_CASH, 100), credit(acc.DEVELOPMENT, 100)])
    with pytest.raises(UnbalancedEntry):
        check_balanced([debit(acc.TRUST_CASH, 100), credit(acc.DEVELOPMENT, 99)])
    with pytest.raises(UnbalancedEntry):
        check_balanced([debit(acc.TRUST_CASH, 100)])


def test_balancing_is_per_currency() -> None:
    with pytest.raises(UnbalancedEntry):
        check_balanced([debit(acc.TRUST_CASH, 100), credit(acc.DEVELOPMENT, 100, "USD")])


def test_balances_are_positive_on_each_accounts_normal_side() -> None:
    balances: dict[str, dict[str, int]] = {}
    apply_lines(
        balances,
        [debit(acc.TRUST_CASH, 500), credit(acc.DEVELOPMENT, 250), credit(acc.COMPETITION, 250)],
    )
    assert balances["MXN"] == {acc.TRUST_CASH: 500, acc.DEVELOPMENT: 250, acc.COMPETITION: 250}


def test_the_odd_centavo_goes_to_the_development_sub_fund_by_default() -> None:
    assert split_inflow(101) == {SubFund.DEVELOPMENT: 51, SubFund.COMPETITION: 50}
    assert split_inflow(101, SubFund.COMPETITION) == {
        SubFund.COMPETITION: 51,
        SubFund.DEVELOPMENT: 50,
    }


@given(st.integers(min_value=0, max_value=10**15))
def test_the_split_is_exact_and_even_to_a_centavo(cents: int) -> None:
    parts = split_inflow(cents)
    assert sum(parts.values()) == cents
    assert 0 <= parts[SubFund.DEVELOPMENT] - parts[SubFund.COMPETITION] <= 1
