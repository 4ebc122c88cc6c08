"""Orders in dollars: priced from the USD list, paid in the exact dollar total, converted to
pesos at the rate recorded for the payment's day; the peso parts still sum exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from megp_common.contracts import trade as ev
from megp_common.refusals import RuleViolation
from trade.domain.channel import Channel, ChannelKind
from trade.domain.order import Order
from trade.domain.pricing import CENT, FeeTerms, allocate, split, to_mxn
from trade.domain.product import Product

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
DAY = date(2027, 3, 1)
ABROAD = Channel.register(
    id="la",
    kind=ChannelKind.ASSOCIATION_ABROAD,
    name="Club Oaxaqueño de Los Ángeles",
    terms=FeeTerms(Decimal("0.05"), Decimal("0.12")),
    currencies=["USD"],
    country="US",
    states=["20"],
    odf_ids=[],
    buyer_organization="club",
    by="supervisor",
    now=NOW,
)

cents_ = st.integers(min_value=0, max_value=10**10).map(lambda c: Decimal(c) / 100)
rates = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("100000"), places=6)


def product(pid: str, producer: str, usd: str | None, mxn: str = "100.00") -> Product:
    return Product.list_(
        id=pid,
        group_id="g1",
        odf_id="odf",
        producer_id=producer,
        state="20",
        municipality="Teotitlán",
        name="tapete",
        category="textiles",
        niche="abroad",
        unit="piece",
        price_mxn=Decimal(mxn),
        price_usd=Decimal(usd) if usd else None,
        programmes=[],
        terms=FeeTerms(Decimal("0.10"), Decimal("0.05")),
        stock=10,
        now=NOW,
    )


def in_dollars(*lines: tuple[Product, int]) -> Order:
    return Order.place(
        id="o1",
        buyer="club-buyer",
        channel=ABROAD,
        lines=list(lines),
        now=NOW,
        reserved_until=NOW + timedelta(minutes=30),
        currency="USD",
    )


@given(cents_, st.lists(cents_, min_size=1, max_size=12))
def test_an_allocation_sums_exactly_and_each_part_is_within_a_centavo(
    total: Decimal, weights: list[Decimal]
) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], Decimal("1.00")]
    parts = allocate(total, weights)
    assert sum(parts) == total and all(p >= 0 and p == p.quantize(CENT) for p in parts)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - total * weight / sum(weights)) < CENT


@given(st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=8), rates)
def test_a_paid_dollar_order_converts_once_and_every_peso_part_sums(
    prices: list[int], rate: Decimal
) -> None:
    products = [
        (product(f"p{i}", f"m{i % 3}", str(Decimal(c) / 100)), 1) for i, c in enumerate(prices)
    ]
    order = in_dollars(*products)
    assert order.total_mxn is None  # not converted before it is paid
    assert order.pay(order.total, "USD", NOW, (DAY, rate))
    assert order.total_mxn == to_mxn(order.total, rate)  # the dollar total, converted once
    for line in order.lines:
        assert line.split_mxn is not None
        s = line.split_mxn
        assert s.producer_part + s.channel_fee + s.logistics == s.total
        assert min(s.producer_part, s.channel_fee, s.logistics) >= 0
        assert abs(s.total - line.split.total * rate) < Decimal("0.01") + Decimal("0.005")


def test_a_dollar_order_prices_from_the_usd_list_and_completes_in_both_currencies() -> None:
    rug, pot = product("rug", "ana", "49.00"), product("pot", "ana", "3.33")
    order = in_dollars((rug, 2), (pot, 1))
    assert order.currency == "USD" and order.total == Decimal("101.33")
    assert order.lines[0].split.total == Decimal("98.00")
    with pytest.raises(RuleViolation):
        order.pay(Decimal("101.33"), "MXN", NOW, (DAY, Decimal("17.25")))  # not in dollars
    with pytest.raises(RuleViolation):
        order.pay(Decimal("101.33"), "USD", NOW)  # no rate
    assert order.pay(Decimal("101.33"), "USD", NOW, (DAY, Decimal("17.253")))
    # 101.33 x 17.253 = 1748.246490 -> 1748.25, shared 98.00 : 3.33
    assert order.total_mxn == Decimal("1748.25")
    assert [line.in_mxn.total for line in order.lines] == [Decimal("1690.80"), Decimal("57.45")]
    first = order.lines[0].in_mxn  # split by the association's 5 % + 12 %
    assert (first.channel_fee, first.logistics, first.producer_part) == (
        Decimal("84.54"),
        Decimal("202.90"),
        Decimal("1403.36"),
    )
    (paid,) = [r.payload for r in order.pending_events() if isinstance(r.payload, ev.OrderPaid)]
    assert (paid.total, paid.currency, paid.total_mxn, paid.exchange_rate) == (
        Decimal("101.33"),
        "USD",
        Decimal("1748.25"),
        Decimal("17.253"),
    )
    order.fulfil(1, DAY)
    order.fulfil(2, DAY)
    (sale,) = [r.payload for r in order.pending_events() if isinstance(r.payload, ev.SaleCompleted)]
    assert (sale.currency, sale.amount, sale.channel) == ("USD", Decimal("101.33"), "la")
    assert sale.amount_mxn == Decimal("1748.25") and sale.rate_date == DAY
    mxn = (
        split(Decimal("1690.80"), ABROAD.terms).producer_part
        + split(Decimal("57.45"), ABROAD.terms).producer_part
    )
    assert sale.producer_part_mxn == mxn
    assert sale.exchange_rate == Decimal("17.253")


def test_a_product_without_a_dollar_price_is_not_sold_in_dollars() -> None:
    with pytest.raises(RuleViolation, match="no USD price"):
        in_dollars((product("rug", "ana", "49.00"), 1), (product("pot", "ana", None), 1))


def test_a_peso_order_says_its_peso_total_and_no_rate() -> None:
    order = Order.place(
        id="o",
        buyer="b",
        channel=Channel.marketplace(FeeTerms(Decimal("0.10"), Decimal("0.05")), ["MXN"], NOW),
        lines=[(product("rug", "ana", None, mxn="850.00"), 1)],
        now=NOW,
        reserved_until=NOW + timedelta(minutes=30),
    )
    assert order.pay(Decimal("850.00"), "MXN", NOW)
    assert order.total_mxn == Decimal("850.00") and order.exchange_rate is None
    order.fulfil(1, DAY)
    (sale,) = [r.payload for r in order.pending_events() if isinstance(r.payload, ev.SaleCompleted)]
    assert sale.amount_mxn == sale.amount and sale.producer_part_mxn == sale.producer_part
