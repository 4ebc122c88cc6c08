"""Purchase orders: what a request may ask (one group's products, at least a unit, a delivery
date from today to the horizon), the decision the ODF takes once (accept or decline) or the
buyer's withdrawal before it, who may never decide [¶55], and the order an acceptance places
(agreed prices, a hold of days, the link back)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from megp_common.contracts import trade as ev
from megp_common.refusals import Conflict, DecisionRefused, RuleViolation
from trade.domain.channel import Channel
from trade.domain.order import Order
from trade.domain.pricing import FeeTerms
from trade.domain.product import Product
from trade.domain.purchase_order import (
    BuyerKind,
    LineRequest,
    PurchaseOrder,
    PurchaseOrderStatus,
    PurchaseOrderStockShort,
    Shortage,
)

MARKETPLACE_CHANNEL = Channel.marketplace(
    FeeTerms(Decimal("0.10"), Decimal("0.05")), ["MXN"], datetime(2027, 1, 1, tzinfo=UTC)
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
TERMS = FeeTerms(Decimal("0.10"), Decimal("0.05"))


def product(pid: str, price: str = "120.00", group: str = "g1", producer: str = "ana") -> Product:
    return Product.list_(
        id=pid,
        group_id=group,
        odf_id=f"odf-{group}",
        producer_id=producer,
        state="20",
        municipality="Oaxaca de Juárez",
        name="rebozo",
        category="textiles",
        niche="shop chains",
        unit="piece",
        price_mxn=Decimal(price),
        price_usd=None,
        programmes=[],
        terms=TERMS,
        stock=10,
        now=NOW,
    )


def received(*lines: LineRequest, kind: BuyerKind = BuyerKind.CHAIN) -> PurchaseOrder:
    return PurchaseOrder.receive(
        id="po1",
        group_id="g1",
        odf_id="odf-g1",
        state="20",
        buyer_kind=kind,
        buyer="Abarrotes del Sur" if kind is BuyerKind.CHAIN else "cm-1",
        submitted_by="chain-clerk",
        lines=list(lines) or [LineRequest(product("p1"), 3, TODAY + timedelta(days=10))],
        now=NOW,
        horizon_days=365,
    )


def events(po: PurchaseOrder, kind: type) -> list:  # type: ignore[type-arg]
    return [r.payload for r in po.pending_events() if isinstance(r.payload, kind)]


def test_a_received_order_prices_each_line_at_the_agreed_or_the_list_price() -> None:
    po = received(
        LineRequest(product("p1", "120.00"), 3, TODAY, Decimal("99.99")),
        LineRequest(product("p2", "33.33", producer="luis"), 2, TODAY + timedelta(days=365)),
    )
    assert po.status is PurchaseOrderStatus.RECEIVED
    assert [(x.unit_price, x.list_price, x.total) for x in po.lines] == [
        (Decimal("99.99"), Decimal("120.00"), Decimal("299.97")),
        (Decimal("33.33"), Decimal("33.33"), Decimal("66.66")),
    ]
    assert po.total == Decimal("366.63")
    (event,) = events(po, ev.PurchaseOrderReceived)
    assert event.buyer_kind == "chain" and event.total == Decimal("366.63")
    assert [x.producer_id for x in event.lines] == ["ana", "luis"]
    # one group's events stay in order: keyed by the group, in its state
    assert {(r.key, r.state) for r in po.pending_events()} == {("g1", "20")}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (LineRequest(product("p1"), 1, TODAY - timedelta(days=1)), "delivery date"),
        (LineRequest(product("p1"), 1, TODAY + timedelta(days=366)), "delivery date"),
        (LineRequest(product("p1"), 0, TODAY), "at least one unit"),
        (LineRequest(product("px", group="g2"), 1, TODAY), "one group's ODF"),
    ],
)
def test_a_request_outside_the_rules_is_refused(line: LineRequest, says: str) -> None:
    with pytest.raises(RuleViolation, match=says):
        received(line)


def test_a_product_appears_on_one_line() -> None:
    twice = LineRequest(product("p1"), 1, TODAY)
    with pytest.raises(RuleViolation, match="one line"):
        received(twice, twice)


def test_the_odf_accepts_once_and_then_nothing_else_happens() -> None:
    po = received()
    until = NOW + timedelta(days=14)
    po.accept("o1", until, "staff-1", NOW)
    assert (po.status, po.order_id, po.reserved_until, po.decided_by) == (
        PurchaseOrderStatus.ACCEPTED,
        "o1",
        until,
        "staff-1",
    )
    (accepted,) = events(po, ev.PurchaseOrderAccepted)
    assert accepted.order_id == "o1" and accepted.total == Decimal("360.00")
    with pytest.raises(Conflict, match="accepted"):
        po.accept("o2", until, "staff-2", NOW)
    with pytest.raises(Conflict, match="accepted"):
        po.decline("too late", "staff-2", NOW)
    with pytest.raises(Conflict, match="accepted"):
        po.withdraw("changed my mind", NOW)
    assert po.order_id == "o1" and len(po.pending_events()) == 2


Action = st.sampled_from(["accept", "decline", "withdraw"])


@given(st.lists(Action, min_size=1, max_size=6))
def test_the_first_decision_or_withdrawal_is_final(actions: list[str]) -> None:
    """Whatever is tried in whatever order, only the first action takes effect and it
    announces exactly one event after the receipt."""
    po = received()
    final = {
        "accept": PurchaseOrderStatus.ACCEPTED,
        "decline": PurchaseOrderStatus.DECLINED,
        "withdraw": PurchaseOrderStatus.WITHDRAWN,
    }
    for n, action in enumerate(actions):
        try:
            if action == "accept":
                po.accept(f"o{n}", NOW + timedelta(days=14), "staff", NOW)
            elif action == "decline":
                po.decline("no capacity", "staff", NOW)
            else:
                po.withdraw("no longer needed", NOW)
        except Conflict:
            assert n > 0
    assert po.status is final[actions[0]]
    assert len(po.pending_events()) == 2
    assert po.order_id == ("o0" if actions[0] == "accept" else None)


ROLES = ["committee_member", "donor_portal", "partner_bank"]


@pytest.mark.parametrize("role", ROLES)
def test_no_committee_member_donor_or_lender_decides_even_with_the_staff_role(role: str) -> None:
    with pytest.raises(DecisionRefused) as refused:
        received().may_decide({"odf_staff", role}, None, (), is_buyer=False)
    assert refused.value.rule == "¶55"


def test_the_buyer_and_a_participant_on_the_committee_never_decide() -> None:
    po = received(kind=BuyerKind.COMMITTEE)
    cases: list[tuple[str | None, bool]] = [(None, True), ("cm-2", False)]  # cm-2 sits on it
    for participant_id, buyer in cases:
        with pytest.raises(DecisionRefused) as refused:
            po.may_decide({"odf_staff"}, participant_id, ("cm-1", "cm-2"), is_buyer=buyer)
        assert refused.value.rule == "¶55"
    po.may_decide({"odf_staff"}, None, ("cm-1",), is_buyer=False)  # the ODF's own staff


def test_who_speaks_for_the_buyer() -> None:
    chain = received()
    assert chain.is_buyer("chain-clerk", None, None)  # the token that sent it
    assert chain.is_buyer("another-clerk", None, "Abarrotes del Sur")  # the chain itself
    assert not chain.is_buyer("x", "Abarrotes del Sur", "Otra Cadena")
    committee = received(kind=BuyerKind.COMMITTEE)
    assert committee.is_buyer("someone", "cm-1", None)
    assert not committee.is_buyer("someone", "cm-2", "cm-1")


def test_the_stock_refusal_says_what_is_left_of_every_product() -> None:
    refusal = PurchaseOrderStockShort("po1", [Shortage("p1", 3, 5), Shortage("p2", 4, 1)])
    problem = refusal.to_problem()
    assert problem["status"] == 409 and problem["type"].endswith("stock-short")
    assert (problem["product_id"], problem["requested"], problem["available"]) == ("p2", 4, 1)
    assert problem["lines"] == [
        {"product_id": "p1", "requested": 3, "available": 5},
        {"product_id": "p2", "requested": 4, "available": 1},
    ]
    assert "p2 has 1 units left" in problem["detail"] and "p1" not in problem["detail"]


def test_the_order_an_acceptance_places_keeps_the_agreed_prices_and_the_link() -> None:
    rug = product("p1", "120.00")
    order = Order.place(
        id="o1",
        buyer="chain-clerk",
        channel=MARKETPLACE_CHANNEL,
        lines=[(rug, 3), (product("p2", "10.00"), 1)],
        now=NOW,
        reserved_until=NOW + timedelta(days=14),
        unit_prices={"p1": Decimal("99.99")},
        purchase_order_id="po1",
    )
    assert [x.unit_price for x in order.lines] == [Decimal("99.99"), Decimal("10.00")]
    assert order.total == Decimal("309.97") and order.purchase_order_id == "po1"
    assert order.lines[0].split.producer_part + order.lines[0].split.channel_fee + order.lines[
        0
    ].split.logistics == Decimal("299.97")
    (placed,) = [r.payload for r in order.pending_events()]
    assert isinstance(placed, ev.OrderPlaced) and placed.purchase_order_id == "po1"


def test_a_marketplace_order_has_no_purchase_order() -> None:
    order = Order.place(
        id="o2",
        buyer="b",
        channel=MARKETPLACE_CHANNEL,
        lines=[(product("p1"), 1)],
        now=NOW,
        reserved_until=NOW + timedelta(minutes=30),
    )
    assert order.purchase_order_id is None and order.total == Decimal("120.00")


@given(
    st.integers(min_value=-400, max_value=800),
    st.integers(min_value=1, max_value=3 * 365),
)
def test_a_delivery_date_is_accepted_exactly_from_today_to_the_horizon(
    offset: int, horizon: int
) -> None:
    deliver_on: date = TODAY + timedelta(days=offset)
    line = LineRequest(product("p1"), 1, deliver_on)
    within = 0 <= offset <= horizon
    try:
        PurchaseOrder.receive(
            id="po",
            group_id="g1",
            odf_id="odf-g1",
            state="20",
            buyer_kind=BuyerKind.CHAIN,
            buyer="c",
            submitted_by="s",
            lines=[line],
            now=NOW,
            horizon_days=horizon,
        )
    except RuleViolation:
        assert not within
    else:
        assert within
