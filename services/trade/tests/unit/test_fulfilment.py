"""Partial fulfilment, short settlement and returns: what ships, what is refunded and what
each producer's sale is, with the stock arithmetic they imply (hypothesis: no sequence takes a
counter below zero, refunds never exceed what was paid and every refund's parts sum exactly)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from megp_common.contracts import trade as ev
from megp_common.refusals import Conflict, NotFound, RuleViolation
from trade.domain.channel import Channel
from trade.domain.fulfilment import between, portion
from trade.domain.order import Order, OrderStatus
from trade.domain.pricing import FeeTerms, PriceSplit, split
from trade.domain.product import Product
from trade.domain.returns import decide_return, request_return
from trade.domain.stock import StockLevel

MARKETPLACE_CHANNEL = Channel.marketplace(
    FeeTerms(Decimal("0.10"), Decimal("0.05")), ["MXN"], datetime(2027, 1, 1, tzinfo=UTC)
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
DAY = date(2027, 3, 2)
WINDOW = timedelta(days=30)
TERMS = FeeTerms(Decimal("0.10"), Decimal("0.05"))


def product(pid: str, producer: str, price: str, group: str = "g1", terms: FeeTerms = TERMS):  # type: ignore[no-untyped-def]
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
        programmes=[],
        terms=terms,
        stock=100,
        now=NOW,
    )


def paid(*lines: tuple[str, str, str, int]) -> Order:
    """An order paid in full: (product id, producer, unit price, quantity) per line."""
    order = Order.place(
        id="o1",
        buyer="buyer",
        channel=MARKETPLACE_CHANNEL,
        lines=[(product(p, who, price), q) for p, who, price, q in lines],
        now=NOW,
        reserved_until=NOW + timedelta(minutes=30),
    )
    order.pay(order.total, "MXN", NOW)
    order.clear_pending()
    return order


def events(order: Order, kind: type) -> list:  # type: ignore[type-arg]
    return [r.payload for r in order.pending_events() if isinstance(r.payload, kind)]


def test_a_line_ships_in_parts_and_the_sale_completes_with_the_last() -> None:
    order = paid(("p1", "ana", "120.00", 3), ("p2", "luis", "10.00", 1))
    assert order.fulfil(1, DAY, 2, "s1")
    assert not order.fulfil(1, DAY, 2, "s1")  # the same shipment again ships nothing
    (first,) = events(order, ev.OrderLineFulfilled)
    assert (first.quantity, first.shipped, first.open_quantity) == (2, 2, 1)
    assert not events(order, ev.SaleCompleted) and order.lines[0].fulfilled_on is None
    with pytest.raises(RuleViolation) as over:
        order.fulfil(1, DAY, 2, "s2")
    assert over.value.extensions["open_quantity"] == 1 and "1 units open" in over.value.detail
    assert order.fulfil(1, DAY + timedelta(days=1), None, "s3")  # what remains
    (sale,) = events(order, ev.SaleCompleted)
    assert (sale.producer_id, sale.amount, sale.completed_on) == (
        "ana",
        Decimal("360.00"),
        DAY + timedelta(days=1),
    )
    assert order.status is OrderStatus.PAID
    assert not order.fulfil(1, DAY)  # a whole-line repeat of a settled line
    order.fulfil(2, DAY)
    assert order.status is OrderStatus.COMPLETED


def test_a_line_settled_short_refunds_the_unshipped_part_and_sells_what_shipped() -> None:
    order = paid(("p1", "ana", "33.33", 3), ("p2", "ana", "5.00", 2))
    order.fulfil(1, DAY, 1, "s1")
    refund = order.shorten(1, "the loom broke", DAY)
    assert refund == PriceSplit(
        Decimal("66.66"), Decimal("56.66"), Decimal("6.67"), Decimal("3.33")
    )
    assert order.shorten(1, "again", DAY) is None  # settled already
    (short,) = events(order, ev.OrderLineShortened)
    assert (short.quantity, short.shipped, short.refund.total) == (2, 1, Decimal("66.66"))
    assert not events(order, ev.SaleCompleted)  # ana's second line is still open
    order.fulfil(2, DAY)
    (sale,) = events(order, ev.SaleCompleted)
    line = order.lines[0].split
    assert sale.amount == Decimal("33.33") + Decimal("10.00")
    # what ana earns and what the buyer got back of line 1 are line 1's producer part exactly
    assert sale.producer_part + refund.producer_part == line.producer_part + Decimal("8.50")
    assert order.status is OrderStatus.COMPLETED


def test_nothing_shipped_is_no_sale() -> None:
    order = paid(("p1", "ana", "10.00", 2), ("p2", "luis", "10.00", 1))
    order.shorten(1, "the harvest failed", DAY)
    order.fulfil(2, DAY)
    assert [s.producer_id for s in events(order, ev.SaleCompleted)] == ["luis"]
    assert order.status is OrderStatus.COMPLETED
    with pytest.raises(Conflict):
        request_return(
            order, return_id="r", number=1, quantity=1, reason="x", now=NOW, window=WINDOW
        )


def test_an_unpaid_order_neither_ships_nor_shortens() -> None:
    order = Order.place(
        id="o",
        buyer="b",
        channel=MARKETPLACE_CHANNEL,
        lines=[(product("p", "a", "1.00"), 1)],
        now=NOW,
        reserved_until=NOW,
    )
    with pytest.raises(Conflict):
        order.fulfil(1, DAY)
    with pytest.raises(Conflict):
        order.shorten(1, "no", DAY)


def test_returns_within_the_window_of_shipped_units_decided_by_the_odf() -> None:
    order = paid(("p1", "ana", "100.00", 3))
    order.fulfil(1, DAY, 2, "s1")
    later = datetime(2027, 3, 10, tzinfo=UTC)
    with pytest.raises(RuleViolation) as more:
        request_return(
            order, return_id="r0", number=1, quantity=3, reason="x", now=later, window=WINDOW
        )
    assert more.value.extensions["returnable"] == 2
    assert request_return(
        order, return_id="r1", number=1, quantity=1, reason="torn", now=later, window=WINDOW
    )
    assert not request_return(
        order, return_id="r1", number=1, quantity=1, reason="torn", now=later, window=WINDOW
    )
    with pytest.raises(RuleViolation):  # one asked for, one left
        request_return(
            order, return_id="r2", number=1, quantity=2, reason="x", now=later, window=WINDOW
        )
    # accepted before the sale completed: the sale is smaller, no SaleReturned
    assert decide_return(order, "r1", accept=True, restock=True, reason=None, by="staff", now=later)
    assert not decide_return(
        order, "r1", accept=True, restock=True, reason=None, by="staff", now=later
    )
    with pytest.raises(Conflict):
        decide_return(order, "r1", accept=False, restock=False, reason="no", by="staff", now=later)
    with pytest.raises(NotFound):
        decide_return(order, "nope", accept=True, restock=False, reason=None, by="staff", now=later)
    (accepted,) = events(order, ev.ReturnAccepted)
    assert accepted.refund.total == Decimal("100.00") and accepted.restock
    order.fulfil(1, date(2027, 3, 11), 1, "s2")
    (sale,) = events(order, ev.SaleCompleted)
    assert sale.amount == Decimal("200.00")  # three shipped, one back
    assert not events(order, ev.SaleReturned)
    # after the sale: negative revenue, keyed by the producer's group, once per return
    request_return(
        order, return_id="r3", number=1, quantity=1, reason="late", now=later, window=WINDOW
    )
    request_return(
        order, return_id="r4", number=1, quantity=1, reason="late", now=later, window=WINDOW
    )
    decide_return(order, "r3", accept=True, restock=False, reason=None, by="staff", now=later)
    decide_return(
        order, "r4", accept=False, restock=False, reason="it was used", by="staff", now=later
    )
    (returned,) = events(order, ev.SaleReturned)
    assert (returned.return_id, returned.amount, returned.producer_part) == (
        "r3",
        Decimal("100.00"),
        Decimal("85.00"),
    )
    assert (returned.amount_mxn, returned.producer_part_mxn) == (
        returned.amount,
        returned.producer_part,
    )  # a peso order: its peso amounts are its own
    keys = [r.key for r in order.pending_events() if isinstance(r.payload, ev.SaleReturned)]
    assert keys == ["g1"]
    (refused,) = events(order, ev.ReturnRefused)
    assert refused.reason == "it was used"


def test_no_return_after_the_window() -> None:
    order = paid(("p1", "ana", "100.00", 1))
    order.fulfil(1, DAY)
    on_the_last_day = datetime.combine(DAY + WINDOW, datetime.min.time(), UTC)
    with pytest.raises(Conflict) as late:
        request_return(
            order,
            return_id="r",
            number=1,
            quantity=1,
            reason="x",
            now=on_the_last_day + timedelta(days=1),
            window=WINDOW,
        )
    assert late.value.extensions["return_days"] == 30
    assert request_return(
        order, return_id="r", number=1, quantity=1, reason="x", now=on_the_last_day, window=WINDOW
    )


def test_a_line_stored_before_parts_shipped_whole() -> None:
    order = paid(("p1", "ana", "10.00", 4))
    dumped = order.model_dump()
    dumped["lines"][0] |= {"fulfilled_on": DAY}
    for name in ("shipped", "shortened", "returned", "shipments"):
        dumped["lines"][0].pop(name)
    line = Order.model_validate(dumped).lines[0]
    assert (line.shipped, line.settled) == (4, True)


amounts = st.decimals(Decimal("0.01"), Decimal("9999.99"), places=2)
rates = st.tuples(
    st.decimals(Decimal("0"), Decimal("0.60"), places=3),
    st.decimals(Decimal("0"), Decimal("0.39"), places=3),
)


@given(amounts, st.integers(1, 40), rates, st.integers(0, 40), st.integers(0, 40))
def test_every_portion_sums_exactly_and_never_goes_down(
    total: Decimal, q: int, r: tuple[Decimal, Decimal], a: int, b: int
) -> None:
    line = split(total, FeeTerms(*r))
    a, b = sorted((min(a, q), min(b, q)))
    part = between(line, q, a, b)
    assert part.producer_part + part.channel_fee + part.logistics == part.total
    assert min(part.total, part.producer_part, part.channel_fee, part.logistics) >= 0
    assert portion(line, q, q) == line and portion(line, q, 0) == PriceSplit.zero()


op = st.one_of(
    st.tuples(st.just("ship"), st.integers(1, 6), st.integers(1, 8)),
    st.tuples(st.just("short"), st.integers(1, 6), st.just(0)),
    st.tuples(st.just("return"), st.integers(1, 6), st.integers(1, 8)),
    st.tuples(st.sampled_from(["accept", "restock", "refuse"]), st.integers(0, 20), st.just(0)),
)
line_specs = st.lists(
    st.tuples(
        st.sampled_from(["ana", "luis"]),
        st.decimals(Decimal("0.01"), Decimal("500"), places=2),
        st.integers(1, 8),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(line_specs, st.lists(op, max_size=30))
def test_no_sequence_goes_below_zero_or_refunds_more_than_was_paid(specs, ops) -> None:  # type: ignore[no-untyped-def]
    order = paid(*[(f"p{i}", who, str(price), q) for i, (who, price, q) in enumerate(specs)])
    stock = {line.product_id: StockLevel(0, 0, line.quantity) for line in order.lines}  # paid: sold
    refunds: list[PriceSplit] = []
    asked: list[str] = []
    for n, (kind, arg, qty) in enumerate(ops):
        number = (arg - 1) % len(order.lines) + 1 if kind in ("ship", "short", "return") else 0
        try:
            if kind == "ship":
                order.fulfil(number, DAY, qty, f"s{n}")
            elif kind == "short":
                line = order.line(number)
                refund = order.shorten(number, "cannot", DAY)
                if refund is not None:
                    refunds.append(refund)
                    stock[line.product_id] = stock[line.product_id].unsell(line.shortened, False)
            elif kind == "return":
                request_return(
                    order,
                    return_id=f"r{n}",
                    number=number,
                    quantity=qty,
                    reason="x",
                    now=NOW,
                    window=WINDOW,
                )
                asked.append(f"r{n}")
            elif asked:
                rid = asked[arg % len(asked)]
                if decide_return(
                    order,
                    rid,
                    accept=kind != "refuse",
                    restock=kind == "restock",
                    reason="no",
                    by="s",
                    now=NOW,
                ):
                    ret = next(r for r in order.returns if r.id == rid)
                    if ret.refund is not None:
                        refunds.append(ret.refund)
                        pid = order.line(ret.number).product_id
                        stock[pid] = stock[pid].unsell(
                            ret.quantity, ret.restock
                        )  # raises below zero
        except (RuleViolation, Conflict):
            pass
    for r in refunds:
        assert r.producer_part + r.channel_fee + r.logistics == r.total
        assert min(r.total, r.producer_part, r.channel_fee, r.logistics) >= 0
    refunded = sum(refunds, PriceSplit.zero())
    kept = sum((line.kept for line in order.lines), PriceSplit.zero())
    assert refunded.total <= order.total
    assert (
        refunded
        + kept
        + sum(
            (line.part(line.shipped, line.quantity) for line in order.lines if not line.shortened),
            PriceSplit.zero(),
        )
        == order.split
    )  # what is refunded, kept and still to ship is exactly what was paid
    for line in order.lines:
        assert 0 <= line.returned <= line.shipped <= line.quantity
        assert stock[line.product_id].sold == line.quantity - line.shortened - line.returned
    completed = sum(
        (
            PriceSplit(s.amount, s.producer_part, s.channel_fee, s.logistics)
            for s in events(order, ev.SaleCompleted)
        ),
        PriceSplit.zero(),
    )
    returned = sum(
        (
            PriceSplit(s.amount, s.producer_part, s.channel_fee, s.logistics)
            for s in events(order, ev.SaleReturned)
        ),
        PriceSplit.zero(),
    )
    done = [line for line in order.lines if line.producer_id in order.completed_producers]
    assert completed.total - returned.total == sum(
        (line.kept.total for line in done), Decimal("0.00")
    )
    assert len({s.producer_id for s in events(order, ev.SaleCompleted)}) == len(
        events(order, ev.SaleCompleted)
    )
