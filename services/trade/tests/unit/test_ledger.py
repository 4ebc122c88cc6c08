"""The sales ledger's arithmetic: the lines of a completed sale, totals by every dimension
(hypothesis: each single-valued dimension's groups sum to the overall total exactly), the
producer-share distribution and the inclusion shares."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trade.domain.channel import Channel
from trade.domain.ledger import (
    NONE,
    Dimension,
    SaleLine,
    inclusion,
    line_id,
    lines_of_sale,
    median,
    overall,
    return_entry,
    share_distribution,
    shares_by_channel,
    totals_by,
)
from trade.domain.order import Order
from trade.domain.pricing import FeeTerms, split
from trade.domain.producer import ProducerRecord
from trade.domain.product import Product
from trade.domain.returns import decide_return, request_return

MARKETPLACE_CHANNEL = Channel.marketplace(
    FeeTerms(Decimal("0.10"), Decimal("0.05")), ["MXN"], datetime(2027, 1, 1, tzinfo=UTC)
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
TERMS = FeeTerms(Decimal("0.10"), Decimal("0.05"))
DAY = date(2027, 3, 2)


def product(pid: str, producer: str, price: str, niche: str = "shops abroad") -> Product:
    return Product.list_(
        id=pid,
        group_id="g1",
        odf_id="odf-1",
        producer_id=producer,
        state="20",
        municipality="Oaxaca de Juárez",
        name="rebozo",
        category="textiles",
        niche=niche,
        unit="piece",
        price_mxn=Decimal(price),
        price_usd=None,
        programmes=["popular art", "women producers"],
        terms=TERMS,
        stock=10,
        now=NOW,
    )


def test_the_lines_of_a_completed_sale_carry_the_product_and_the_producer_at_the_sale() -> None:
    rug, pot, other = (
        product("p1", "ana", "850.00"),
        product("p2", "ana", "33.33"),
        product("p3", "luis", "1.00"),
    )
    order = Order.place(
        id="o1",
        buyer="b",
        channel=MARKETPLACE_CHANNEL,
        lines=[(rug, 2), (pot, 3), (other, 1)],
        now=NOW,
        reserved_until=NOW + timedelta(minutes=30),
    )
    order.pay(order.total, "MXN", NOW)
    for number in (1, 2, 3):
        order.fulfil(number, DAY)
    ana = ProducerRecord(id="ana")
    ana.learn(gender="female", indigenous=True, programmes=["women"], state="20", as_of=NOW)
    lines = lines_of_sale(
        order,
        "ana",
        products={p.id: p for p in (rug, pot)},
        producer=ana,
        sold_on=DAY,
    )
    assert [(x.id, x.quantity, x.amount, x.producer_part) for x in lines] == [
        ("o1:1", 2, Decimal("1700.00"), Decimal("1445.00")),
        ("o1:2", 3, Decimal("99.99"), Decimal("84.99")),
    ]
    first = lines[0]
    assert (first.channel, first.niche, first.municipality, first.category) == (
        "marketplace",
        "shops abroad",
        "Oaxaca de Juárez",
        "textiles",
    )
    assert first.programmes == ["popular art", "women producers"]
    assert (first.producer_gender, first.producer_indigenous, first.sold_on) == (
        "female",
        True,
        DAY,
    )
    assert first.amount == first.producer_part + first.channel_fee + first.logistics
    # a producer trade never heard of: the line is kept, its flags unknown; the order's line
    # carries its product's listing, so no product is needed
    (luis,) = lines_of_sale(order, "luis", products={}, producer=None, sold_on=DAY)
    assert (luis.producer_gender, luis.producer_indigenous, luis.niche) == (
        None,
        None,
        "shops abroad",
    )
    # a line placed before lines carried the listing: its product's, or nothing without it
    old = order.line(3)
    old.municipality = old.category = old.niche = old.programmes = None
    (read,) = lines_of_sale(order, "luis", products={other.id: other}, producer=None, sold_on=DAY)
    assert (read.niche, read.category, read.programmes) == (
        "shops abroad",
        "textiles",
        ["popular art", "women producers"],
    )
    (bare,) = lines_of_sale(order, "luis", products={}, producer=None, sold_on=DAY)
    assert (bare.niche, bare.category, bare.programmes) == ("", "", [])


def test_an_older_snapshot_of_the_producer_does_not_undo_a_newer_one() -> None:
    p = ProducerRecord(id="ana")
    assert p.learn(gender="female", indigenous=True, programmes=[], state="20", as_of=NOW)
    assert not p.learn(
        gender="male", indigenous=False, programmes=[], state="20", as_of=NOW - timedelta(days=1)
    )
    assert (p.gender, p.indigenous) == ("female", True)


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@st.composite
def sale_lines(draw: st.DrawFn) -> SaleLine:
    price = draw(money)
    quantity = draw(st.integers(min_value=1, max_value=50))
    parts = split(price * quantity, TERMS)
    return SaleLine(
        order_id=draw(st.sampled_from(["o1", "o2", "o3"])),
        number=draw(st.integers(min_value=1, max_value=1000)),
        producer_id=draw(st.sampled_from(["ana", "luis", "eva"])),
        group_id="g",
        odf_id=draw(st.sampled_from(["odf-1", "odf-2"])),
        state=draw(st.sampled_from(["09", "20", "27"])),
        niche=draw(st.sampled_from(["", "shops abroad", "tourism"])),
        programmes=draw(st.lists(st.sampled_from(["popular art", "women"]), max_size=2)),
        channel=draw(st.sampled_from(["marketplace", "trade-center"])),
        quantity=quantity,
        amount=parts.total,
        producer_part=parts.producer_part,
        channel_fee=parts.channel_fee,
        logistics=parts.logistics,
        sold_on=DAY,
        producer_gender=draw(st.sampled_from([None, "female", "male"])),
        producer_indigenous=draw(st.sampled_from([None, True, False])),
    )


SINGLE = [d for d in Dimension if d is not Dimension.PROGRAMME]


@given(st.lists(sale_lines(), max_size=60))
def test_totals_by_any_dimension_sum_to_the_overall_total_exactly(lines: list[SaleLine]) -> None:
    whole = overall(lines)
    assert whole.amount == whole.producer_part + whole.channel_fee + whole.logistics
    for by in SINGLE:
        groups = totals_by(lines, by).values()
        assert sum(g.lines for g in groups) == whole.lines == len(lines)
        assert sum(g.units for g in groups) == whole.units
        for name in ("amount", "producer_part", "channel_fee", "logistics"):
            assert sum((getattr(g, name) for g in groups), Decimal(0)) == getattr(whole, name)
    # a line counts once under each of its programmes (or under NONE)
    by_programme = totals_by(lines, Dimension.PROGRAMME)
    for programme, got in by_programme.items():
        theirs = [x for x in lines if programme in (x.programmes or [NONE])]
        assert got.amount == overall(theirs).amount and got.lines == len(theirs)


@given(st.lists(sale_lines(), max_size=60))
def test_inclusion_shares_are_the_parts_of_the_whole(lines: list[SaleLine]) -> None:
    whole, by_state = inclusion(lines)
    women = [x for x in lines if x.producer_gender == "female"]
    assert whole.women.amount == sum((x.amount for x in women), Decimal("0.00"))
    assert whole.women.producer_part == sum((x.producer_part for x in women), Decimal("0.00"))
    assert whole.indigenous.lines == sum(1 for x in lines if x.producer_indigenous)
    assert sum((i.totals.amount for i in by_state.values()), Decimal(0)) == whole.totals.amount
    assert sum((i.women.amount for i in by_state.values()), Decimal(0)) == whole.women.amount
    assert 0 <= whole.women_sales_share <= 1 and 0 <= whole.indigenous_income_share <= 1
    assert whole.unknown.lines == sum(
        1 for x in lines if x.producer_gender is None and x.producer_indigenous is None
    )


@given(st.lists(sale_lines(), min_size=1, max_size=60))
def test_the_share_distribution_is_bounded_and_its_buckets_count_every_line(
    lines: list[SaleLine],
) -> None:
    for channel, d in shares_by_channel(lines).items():
        theirs = [x for x in lines if x.channel == channel]
        assert d.lines == len(theirs) == sum(n for _, _, n in d.buckets)
        assert d.minimum <= d.median <= d.maximum <= 1
        ulp = Decimal("1e-25")  # the mediant of the lines' shares, each rounded to 28 digits
        assert d.minimum - ulp <= d.weighted <= d.maximum + ulp


def line(amount: str, part: str, channel: str = "marketplace") -> SaleLine:
    total, producer = Decimal(amount), Decimal(part)
    return SaleLine(
        order_id="o",
        number=1,
        producer_id="p",
        group_id="g",
        odf_id="odf",
        state="20",
        channel=channel,
        quantity=1,
        amount=total,
        producer_part=producer,
        channel_fee=total - producer,
        logistics=Decimal("0.00"),
        sold_on=DAY,
    )


def test_median_and_buckets_on_known_shares() -> None:
    assert median([Decimal(3), Decimal(1), Decimal(2)]) == 2
    assert median([Decimal(4), Decimal(1), Decimal(2), Decimal(3)]) == Decimal("2.5")
    d = share_distribution(
        [line("100.00", "85.00"), line("10.00", "4.00"), line("10.00", "10.00"), line("1", "0.6")]
    )
    assert d is not None
    assert (d.minimum, d.median, d.maximum) == (Decimal("0.4"), Decimal("0.725"), Decimal(1))
    assert d.weighted == Decimal("99.60") / Decimal("121.00")
    assert [n for _, _, n in d.buckets] == [1, 0, 1, 0, 1, 1]  # 0.4, 0.6, 0.85, 1.0
    assert share_distribution([]) is None
    assert line_id("o-1", 3) == "o-1:3"


def test_the_ledger_counts_what_shipped_and_nets_out_a_return_after_the_sale() -> None:
    """A line settled short is sold for what shipped; a return accepted before the sale makes
    the sale smaller; one accepted after it is an entry of its own, negative; and the entries
    of a line always sum to what the buyer kept paying for."""
    rug, pot = product("p1", "ana", "850.00"), product("p2", "ana", "33.33")
    order = Order.place(
        id="o2",
        buyer="b",
        channel=MARKETPLACE_CHANNEL,
        lines=[(rug, 4), (pot, 3)],
        now=NOW,
        reserved_until=NOW + timedelta(minutes=30),
    )
    order.pay(order.total, "MXN", NOW)
    order.fulfil(2, DAY)
    window = timedelta(days=30)
    for rid in ("r1", "r2"):
        request_return(
            order, return_id=rid, number=2, quantity=1, reason="chipped", now=NOW, window=window
        )
    # before the sale completes (a rug still open): the sale will be the smaller
    decide_return(order, "r1", accept=True, restock=False, reason=None, by="staff", now=NOW)
    order.fulfil(1, DAY, quantity=3)
    order.shorten(1, "the loom broke", DAY)  # 3 of 4 rugs shipped: the sale completes
    assert order.completed_producers == ["ana"]

    def sale() -> list[SaleLine]:
        return lines_of_sale(order, "ana", products={}, producer=None, sold_on=DAY)

    sold = sale()
    assert [(x.id, x.quantity, x.amount) for x in sold] == [
        ("o2:1", 3, Decimal("2550.00")),
        ("o2:2", 2, Decimal("66.66")),
    ]
    later = NOW + timedelta(days=3)
    decide_return(order, "r2", accept=True, restock=True, reason=None, by="staff", now=later)
    entry = return_entry(order, "r2", products={}, producer=None, returned_on=later.date())
    assert (entry.id, entry.quantity, entry.amount, entry.is_return) == (
        "o2:2:return:r2",
        -1,
        Decimal("-33.33"),
        True,
    )
    assert sale() == sold  # what the sale was does not change with a later return
    total = overall([*sold, entry])
    assert (total.lines, total.returns, total.units) == (2, 1, 4)
    kept = order.lines[0].kept.total + order.lines[1].kept.total
    assert total.amount == kept == Decimal("2583.33")
    assert share_distribution([*sold, entry]) == share_distribution(sold)
