"""The donors service's donations, matching payments and refunds, as the fund books them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from funds.domain import accounts as acc
from funds.domain.donations import book_donation, book_pledge, book_refund
from funds.domain.fund import new_fund
from megp_common.contracts.donors import DonationMade, DonationRefunded, MatchingPledgePaid

from .helpers import OPENED, POLICY, events, net_subfunds_identity, opened_fund

LATER = OPENED + timedelta(days=10)


def made(
    amount: str = "100.01",
    currency: str = "MXN",
    rate: str = "1",
    kind: str = "grant",
    returns: date | None = None,
    donation_id: str = "d1",
) -> DonationMade:
    mxn = (Decimal(amount) * Decimal(rate)).quantize(Decimal("0.01"))
    return DonationMade(
        donation_id=donation_id,
        portal_donation_id="p-" + donation_id,
        association_id="a1",
        association_name="Club Zacatecano",
        group_id="g1",
        fund_id="g1",
        state_code="09",
        kind=kind,
        amount=Decimal(amount),
        currency=currency,
        exchange_rate=Decimal(rate),
        amount_mxn=mxn,
        return_due_on=returns,
        return_method="bank_transfer" if returns else None,
        made_at=OPENED,
    )


def refund(amount: str, mxn: str, whole: bool, d: DonationMade) -> DonationRefunded:
    return DonationRefunded(
        refund_id="r1",
        donation_id=d.donation_id,
        association_id="a1",
        group_id="g1",
        fund_id="g1",
        state_code="09",
        kind=d.kind,
        amount=Decimal(amount),
        currency=d.currency,
        exchange_rate=d.exchange_rate,
        amount_mxn=Decimal(mxn),
        whole=whole,
        reason="chargeback",
        chargeback=True,
        refunded_at=LATER,
    )


def test_a_dollar_donation_is_booked_once_split_50_50_with_both_amounts() -> None:
    fund = opened_fund()
    d = made("100.01", "USD", "17.25")
    entry = book_donation(fund, d, OPENED, POLICY)
    assert entry is not None and entry.kind.value == "grant"
    assert fund.balance(acc.TRUST_CASH) == 172517  # 1725.1725 -> 1725.17
    assert fund.balance(acc.DEVELOPMENT) == 86259 and fund.balance(acc.COMPETITION) == 86258
    assert fund.balance(acc.fx_received("USD"), "USD") == 10001
    inflow = fund.pending_events()[-1].payload
    assert inflow.donation_id == "d1" and inflow.original_currency == "USD"  # type: ignore[attr-defined]
    assert book_donation(fund, d, OPENED, POLICY) is None  # the same event again
    assert fund.next_seq == 2


def test_a_donation_to_a_fund_not_open_posts_nothing_and_says_why() -> None:
    fund = new_fund("g1")
    assert book_donation(fund, made(), OPENED, POLICY) is None
    assert events(fund) == ["DonorMovementRefused"] and fund.balances == {}


def test_a_whole_refund_mirrors_the_donation_and_a_temporary_one_is_no_longer_owed() -> None:
    fund = opened_fund()
    d = made("500.00", kind="temporary_contribution", returns=date(2031, 1, 1))
    original = book_donation(fund, d, OPENED, POLICY)
    assert original is not None and fund.balance(acc.TEMPORARY_TO_RETURN) == 50000
    fund.clear_pending()
    back = book_refund(fund, original, refund("500.00", "500.00", True, d), LATER, POLICY)
    assert back is not None and back.reverses == original.id
    assert fund.balance(acc.TRUST_CASH) == 0 and fund.balance(acc.TEMPORARY_TO_RETURN) == 0
    assert fund.temporary[original.id].returned_entry_id == back.id
    assert events(fund) == ["EntryReversed"] and net_subfunds_identity(fund)
    again = book_refund(fund, original, refund("500.00", "500.00", True, d), LATER, POLICY)
    assert again is None


def test_a_refund_the_sub_funds_no_longer_hold_is_refused_whole() -> None:
    fund = opened_fund()
    d = made("100.00")
    original = book_donation(fund, d, OPENED, POLICY)
    assert original is not None
    fund.balances["MXN"][acc.COMPETITION] -= 4000  # 40.00 of its 50.00 spent
    fund.balances["MXN"][acc.TRUST_CASH] -= 4000
    fund.clear_pending()
    seq = fund.next_seq
    assert book_refund(fund, original, refund("30.00", "30.00", False, d), LATER, POLICY) is None
    assert fund.next_seq == seq and events(fund) == ["DonorMovementRefused"]
    refused = fund.pending_events()[0].payload
    assert refused.available.competition == Decimal("10.00")  # type: ignore[attr-defined]


@given(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=1, max_value=10**9),
)
def test_a_partial_refund_never_takes_more_than_a_sub_fund_received(
    given_c: int, back_c: int
) -> None:
    back_c = min(back_c, given_c)
    fund = opened_fund()
    amount = str(Decimal(given_c).scaleb(-2))
    d = made(amount)
    original = book_donation(fund, d, OPENED, POLICY)
    assert original is not None
    dev, comp = fund.balance(acc.DEVELOPMENT), fund.balance(acc.COMPETITION)
    back = str(Decimal(back_c).scaleb(-2))
    entry = book_refund(fund, original, refund(back, back, back_c == given_c, d), LATER, POLICY)
    assert entry is not None
    assert 0 <= fund.balance(acc.DEVELOPMENT) <= dev and 0 <= fund.balance(acc.COMPETITION) <= comp
    assert fund.balance(acc.TRUST_CASH) == given_c - back_c
    assert net_subfunds_identity(fund)


def test_a_matching_payment_is_the_cofunders_own_grant_named_by_its_pledge() -> None:
    fund = opened_fund()
    paid = MatchingPledgePaid(
        pledge_id="pl1",
        programme_id="m1",
        cofunder_id="federal",
        cofunder_name="Gobierno federal",
        tier="federal",
        source="national",
        donation_id="d1",
        group_id="g1",
        fund_id="g1",
        state_code="09",
        amount=Decimal("250.00"),
        paid_at=OPENED,
    )
    entry = book_pledge(fund, paid, OPENED, POLICY)
    assert entry is not None and entry.metadata["source"] == "national"
    inflow = fund.pending_events()[-1].payload
    assert inflow.pledge_id == "pl1" and inflow.donor == "Gobierno federal"  # type: ignore[attr-defined]
    assert book_pledge(fund, paid, OPENED, POLICY) is None
