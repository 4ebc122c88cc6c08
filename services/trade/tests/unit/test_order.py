"""Orders: reservation with an expiry, payment of the exact total, cancel/expire, fulfilment per
line, and one SaleCompleted per producer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from megp_common.contracts import trade as ev
from megp_common.refusals import Conflict, RuleViolation
from trade.domain.channel import Channel
from trade.domain.order import Order, OrderStatus
from trade.domain.pricing import FeeTerms
from trade.domain.product import Product

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
TERMS = FeeTerms(Decimal("0.10"), Decimal("0.05"))
MARKETPLACE = Channel.marketplace(TERMS, ["MXN"], NOW)


def product(pid: str, producer: str, price: str, group: str = "g1") -> Product:
    return Product.list_(
        id=pid,
        group_id=group,
        odf_id=f"odf-{group}",
        producer_id=producer,
        state="20",
        municipality="Oaxaca de Juárez",
        name="rebozo",
        category="textiles",
        niche="fair-trade shops",
        unit="piece",
        price_mxn=Decimal(price),
        price_usd=None,
        programmes=["popular art", "women producers", "popular art"],
        terms=TERMS,
        stock=10,
        now=NOW,
    )


def placed() -> Order:
    lines = [
        (product("p1", "ana", "120.00"), 2),
        (product("p2", "ana", "33.33"), 1),
        (product("p3", "luis", "0.25", group="g2"), 1),
    ]
    return Order.place(
        id="o1",
        buyer="buyer",
        channel=MARKETPLACE,
        lines=lines,
        now=NOW,
        reserved_until=NOW + timedelta(minutes=30),
    )


def events(order: Order, kind: type) -> list:  # type: ignore[type-arg]
    return [r.payload for r in order.pending_events() if isinstance(r.payload, kind)]


def test_a_listing_publishes_its_producer_share_and_programmes_once_each() -> None:
    p = product("p1", "ana", "120.00")
    (listed,) = [r.payload for r in p.pending_events()]
    assert isinstance(listed, ev.ProductListed)
    assert listed.producer_share == Decimal("0.85")
    assert listed.programmes == ["popular art", "women producers"]


def test_an_order_prices_every_line_and_its_total() -> None:
    order = placed()
    assert order.total == Decimal("273.58")
    assert [line.split.total for line in order.lines] == [
        Decimal("240.00"),
        Decimal("33.33"),
        Decimal("0.25"),
    ]
    s = order.split
    assert s.producer_part + s.channel_fee + s.logistics == order.total
    (placed_event,) = events(order, ev.OrderPlaced)
    assert placed_event.total == order.total and len(placed_event.lines) == 3


def test_one_product_per_line() -> None:
    p = product("p1", "ana", "1.00")
    with pytest.raises(RuleViolation):
        Order.place(
            id="o",
            buyer="b",
            channel=MARKETPLACE,
            lines=[(p, 1), (p, 2)],
            now=NOW,
            reserved_until=NOW,
        )


def test_payment_is_of_the_exact_total_before_the_reservation_runs_out() -> None:
    order = placed()
    with pytest.raises(RuleViolation):
        order.pay(Decimal("273.57"), "MXN", NOW)
    with pytest.raises(Conflict):
        order.pay(order.total, "MXN", NOW + timedelta(minutes=30))
    assert order.pay(order.total, "MXN", NOW + timedelta(minutes=29))
    assert not order.pay(order.total, "MXN", NOW)  # a repeat changes nothing
    assert order.status is OrderStatus.PAID
    with pytest.raises(Conflict):
        order.cancel("changed my mind", NOW)


def test_cancel_and_expiry_release_once() -> None:
    order = placed()
    assert not order.expire(NOW + timedelta(minutes=29))
    assert order.expire(NOW + timedelta(minutes=30))
    assert order.status is OrderStatus.EXPIRED
    assert not order.cancel("late", NOW)
    with pytest.raises(Conflict):
        order.pay(order.total, "MXN", NOW)
    other = placed()
    assert other.cancel("changed my mind", NOW) and not other.cancel("again", NOW)
    assert len(events(other, ev.OrderCancelled)) == 1


def test_each_producer_completes_a_sale_when_all_their_lines_ship() -> None:
    order = placed()
    with pytest.raises(Conflict):
        order.fulfil(1, date(2027, 3, 2))  # not paid yet
    order.pay(order.total, "MXN", NOW)
    order.clear_pending()
    order.fulfil(3, date(2027, 3, 2))  # luis's only line
    order.fulfil(1, date(2027, 3, 2))  # one of ana's two
    assert [s.producer_id for s in events(order, ev.SaleCompleted)] == ["luis"]
    assert order.status is OrderStatus.PAID
    assert order.fulfil(2, date(2027, 3, 3))
    assert not order.fulfil(2, date(2027, 3, 3))
    sales = events(order, ev.SaleCompleted)
    assert [s.producer_id for s in sales] == ["luis", "ana"]
    ana = sales[1]
    assert ana.amount == Decimal("273.33")
    assert ana.producer_part + ana.channel_fee + ana.logistics == ana.amount
    assert order.status is OrderStatus.COMPLETED
    keys = [r.key for r in order.pending_events() if isinstance(r.payload, ev.SaleCompleted)]
    assert keys == ["g2", "g1"]


def test_a_withdrawn_product_takes_no_new_orders_once() -> None:
    p = product("p1", "ana", "1.00")
    p.clear_pending()
    p.expect_on_sale()
    assert p.withdraw("the loom broke", NOW) and not p.withdraw("again", NOW)
    (withdrawn,) = [r.payload for r in p.pending_events()]
    assert isinstance(withdrawn, ev.ProductWithdrawn) and withdrawn.group_id == "g1"
    with pytest.raises(Conflict):
        p.expect_on_sale()
