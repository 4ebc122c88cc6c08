"""Paying for a purchasing round [¶30, ¶69]: each member pays their exact cost share, or the
deciding ODF asks for the unpaid shares to be financed (trade announces it, credit decides)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from megp_common.contracts.trade import AllocationPaid, PurchaseFinancingRequested
from megp_common.decisions import Governance
from megp_common.refusals import DecisionRefused, InvalidData, Missing, StateConflict
from trade.domain.purchasing import (
    Decider,
    PriceTier,
    PurchasingRound,
    QuoteDecider,
    RoundStatus,
    SupplierQuote,
)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = T0 + timedelta(days=14)
BOARD = Governance.of({"rep-1"}, support_committee=set())
REP = Decider(frozenset({"board_representative"}), odf_id="odf-a", participant_id="rep-1")


def allocated(demands: dict[str, tuple[str, int]]) -> PurchasingRound:
    rnd = PurchasingRound.open(
        round_id="r1",
        odf_ids=("odf-a", "odf-b"),
        item="palm fibre",
        kind="raw_material",
        unit="kg",
        opened_at=T0,
        closes_at=CLOSES,
        state="20",
        group_ids=("g-a", "g-b"),
    )
    for i, (pid, (odf, qty)) in enumerate(demands.items()):
        group = "g-a" if odf == "odf-a" else "g-b"
        rnd.state_demand(pid, odf, qty, T0 + timedelta(hours=i + 1), group)
    rnd.close(CLOSES)
    rnd.receive_quote(
        SupplierQuote.offer(
            quote_id="q1",
            supplier_id="sup",
            tiers=(PriceTier(min_quantity=1, unit_price=Decimal("10.0001")),),
            delivery_charge=Decimal("45.67"),
        )
    )
    rnd.choose_quote("q1", REP, QuoteDecider.BOARD, BOARD, CLOSES, group_id="g-a")
    rnd.clear_pending()
    return rnd


def shares(rnd: PurchasingRound) -> dict[str, Decimal]:
    return {a.participant_id: a.cost_share for a in rnd.allocations}


def test_the_choice_remembers_the_deciding_group_and_each_members_group() -> None:
    rnd = allocated({"p1": ("odf-a", 7), "p2": ("odf-b", 5)})
    assert (rnd.deciding_group_id, rnd.deciding_odf_id) == ("g-a", "odf-a")
    assert {a.participant_id: a.group_id for a in rnd.allocations} == {"p1": "g-a", "p2": "g-b"}


def test_a_member_pays_the_exact_share_once() -> None:
    rnd = allocated({"p1": ("odf-a", 7), "p2": ("odf-b", 5), "p3": ("odf-a", 1)})
    share = shares(rnd)["p1"]
    for wrong in (share + Decimal("0.01"), share - Decimal("0.01"), Decimal("0.01")):
        with pytest.raises(InvalidData) as refused:
            rnd.pay_share("p1", wrong, "p1", CLOSES)
        assert refused.value.extensions["cost_share"] == str(share)
    assert not rnd.pending_events()
    rnd.pay_share("p1", share, "p1", CLOSES + timedelta(hours=1))
    [event] = [e.payload for e in rnd.pending_events()]
    assert isinstance(event, AllocationPaid)
    assert (event.participant_id, event.amount, event.member_odf_id) == ("p1", share, "odf-a")
    with pytest.raises(StateConflict):
        rnd.pay_share("p1", share, "p1", CLOSES)
    with pytest.raises(Missing):
        rnd.pay_share("nobody", share, "nobody", CLOSES)
    assert rnd.status is RoundStatus.ALLOCATED


def test_shares_are_paid_only_after_the_choice() -> None:
    rnd = allocated({"p1": ("odf-a", 7)})
    rnd.status = RoundStatus.CLOSED
    with pytest.raises(StateConflict):
        rnd.pay_share("p1", shares(rnd)["p1"], "p1", CLOSES)


def test_when_every_member_paid_the_round_is_settled_and_takes_no_financing() -> None:
    rnd = allocated({"p1": ("odf-a", 7), "p2": ("odf-b", 5)})
    for pid, share in shares(rnd).items():
        rnd.pay_share(pid, share, pid, CLOSES)
    assert rnd.status is RoundStatus.SETTLED
    with pytest.raises(StateConflict):
        rnd.request_financing("f1", "odf-a", "staff", CLOSES)
    assert rnd.savings().pooled_cost == rnd.total  # the report still reads a settled round


def test_the_deciding_odf_finances_the_unpaid_shares_once() -> None:
    rnd = allocated({"p1": ("odf-a", 7), "p2": ("odf-b", 5), "p3": ("odf-a", 1)})
    owed = shares(rnd)
    rnd.pay_share("p2", owed["p2"], "staff-b", CLOSES)
    rnd.clear_pending()
    with pytest.raises(DecisionRefused):  # another participating ODF does not ask for it
        rnd.request_financing("f1", "odf-b", "staff-b", CLOSES)
    financing = rnd.request_financing("f1", "odf-a", "staff-a", CLOSES)
    assert financing.amount == owed["p1"] + owed["p3"]
    assert financing.participant_ids == ["p1", "p3"] and financing.group_id == "g-a"
    [event] = [e.payload for e in rnd.pending_events()]
    assert isinstance(event, PurchaseFinancingRequested)
    assert (event.financing_id, event.odf_id, event.group_id) == ("f1", "odf-a", "g-a")
    assert event.amount == sum(m.cost_share for m in event.members)
    assert {m.participant_id: m.cost_share for m in event.members} == {
        "p1": owed["p1"],
        "p3": owed["p3"],
    }
    assert rnd.status is RoundStatus.SETTLED
    with pytest.raises(StateConflict):  # once per round
        rnd.request_financing("f2", "odf-a", "staff-a", CLOSES)
    with pytest.raises(StateConflict):  # a financed share is the ODF's to settle now
        rnd.pay_share("p1", owed["p1"], "p1", CLOSES)


@given(
    st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=12),
    st.sets(st.integers(min_value=0, max_value=11)),
)
def test_paid_and_financed_shares_always_make_the_total(
    quantities: list[int], paying: set[int]
) -> None:
    rnd = allocated({f"p{i}": ("odf-a", q) for i, q in enumerate(quantities)})
    for i in sorted(paying):
        if i < len(quantities):
            rnd.pay_share(f"p{i}", shares(rnd)[f"p{i}"], f"p{i}", CLOSES)
    paid = sum((a.cost_share for a in rnd.allocations if a.paid_at), Decimal("0.00"))
    if rnd.status is RoundStatus.SETTLED:
        assert paid == rnd.total
        return
    financing = rnd.request_financing("f", "odf-a", "staff", CLOSES)
    assert paid + financing.amount == rnd.total
    assert rnd.status is RoundStatus.SETTLED
