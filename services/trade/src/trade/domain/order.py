"""An order across producers: placed with every line's stock reserved until an expiry, paid
(confirming the sale) or cancelled/expired (releasing every line), then fulfilled by each
producer's ODF: a line ships in one or several parts and may be settled short when the producer
cannot deliver the rest (the buyer is refunded the unshipped part). A line is settled when
shipped + shortened = ordered. A producer's sale completes when every line of theirs is settled
in a paid order: `SaleCompleted`, the revenue event, once per (order, producer), for what
shipped. Returns of shipped units are in `returns.py`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, model_validator

from megp_common.aggregate import Aggregate
from megp_common.contracts import trade as ev
from megp_common.refusals import RuleViolation
from trade.domain.channel import MARKETPLACE, Channel
from trade.domain.errors import InvalidTransition, TradeRuleViolation
from trade.domain.fulfilment import Shipment, between
from trade.domain.pricing import FeeTerms, PriceSplit, allocate, line_total, split, to_mxn
from trade.domain.product import Product
from trade.domain.returns import LineReturn


class OrderStatus(StrEnum):
    RESERVED = "reserved"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"


#: States in which an order holds no reservation any more (nothing left to release).
RELEASED = frozenset({OrderStatus.CANCELLED, OrderStatus.EXPIRED})


class Split(BaseModel):
    total: Decimal
    producer_part: Decimal
    channel_fee: Decimal
    logistics: Decimal

    @classmethod
    def of(cls, s: PriceSplit) -> Split:
        return cls(
            total=s.total,
            producer_part=s.producer_part,
            channel_fee=s.channel_fee,
            logistics=s.logistics,
        )

    def value(self) -> PriceSplit:
        return PriceSplit(self.total, self.producer_part, self.channel_fee, self.logistics)

    def info(self) -> ev.PriceSplitInfo:
        return ev.PriceSplitInfo(**self.model_dump())


class OrderLine(BaseModel):
    number: int
    product_id: str
    producer_id: str
    group_id: str
    odf_id: str
    state: str
    quantity: int
    unit_price: Decimal
    split: Split
    #: the day the line was settled (every unit shipped or settled short)
    fulfilled_on: date | None = None
    shipped: int = 0
    shortened: int = 0
    #: units given back by accepted returns (never more than shipped)
    returned: int = 0
    shipments: list[Shipment] = []
    short_reason: str | None = None
    #: the channel whose terms split the line (orders before channels: the marketplace's)
    channel_id: str = MARKETPLACE
    fee_rate: Decimal | None = None
    logistics_rate: Decimal | None = None
    #: a line in another currency, in pesos at the order's recorded rate (set when paid)
    split_mxn: Split | None = None
    #: the product's place and kind as listed, which the sales ledger files the line under (a
    #: product never changes them), carried so the ledger reads no product; None in a line
    #: placed before they were carried (the ledger reads its product)
    municipality: str | None = None
    category: str | None = None
    niche: str | None = None
    programmes: list[str] | None = None

    @classmethod
    def of(
        cls,
        number: int,
        product: Product,
        quantity: int,
        channel: Channel,
        currency: str = "MXN",
        unit_price: Decimal | None = None,
    ) -> OrderLine:
        """The marketplace splits by the product's own terms (its published producer share,
        fixed when it was listed); every other channel by its own. `unit_price`: an agreed
        price (a purchase order's), else the list price of the order's currency."""
        terms = product.terms if channel.is_marketplace else channel.terms
        listed = product.price_mxn if currency == "MXN" else product.price_usd
        price = listed if unit_price is None else unit_price
        if price is None:
            raise TradeRuleViolation(
                f"product {product.id} has no {currency} price; it is not sold in {currency}"
            )
        return cls(
            number=number,
            product_id=product.id,
            producer_id=product.producer_id,
            group_id=product.group_id,
            odf_id=product.odf_id,
            state=product.state,
            quantity=quantity,
            unit_price=price,
            split=Split.of(split(line_total(price, quantity), terms)),
            channel_id=channel.id,
            fee_rate=terms.channel_rate,
            logistics_rate=terms.logistics_rate,
            municipality=product.municipality,
            category=product.category,
            niche=product.niche,
            programmes=list(product.programmes),
        )

    @property
    def terms(self) -> FeeTerms | None:
        if self.fee_rate is None or self.logistics_rate is None:
            return None
        return FeeTerms(self.fee_rate, self.logistics_rate)

    @property
    def in_mxn(self) -> PriceSplit:
        return (self.split_mxn or self.split).value()

    def info(self) -> ev.OrderLineInfo:
        return ev.OrderLineInfo(
            number=self.number,
            product_id=self.product_id,
            producer_id=self.producer_id,
            group_id=self.group_id,
            odf_id=self.odf_id,
            state_code=self.state,
            quantity=self.quantity,
            unit_price=self.unit_price,
            split=self.split.info(),
            channel_id=self.channel_id,
        )

    @model_validator(mode="after")
    def _whole_line_shipped_before_parts(self) -> OrderLine:
        """A line stored before partial fulfilment shipped whole when it was fulfilled."""
        if self.fulfilled_on is not None and self.shipped + self.shortened == 0:
            self.shipped = self.quantity
        return self

    @property
    def open(self) -> int:
        """Units still to ship."""
        return self.quantity - self.shipped - self.shortened

    @property
    def settled(self) -> bool:
        return self.open == 0

    def part(self, start: int, end: int) -> PriceSplit:
        """What units start+1 .. end of the line carry of its price (fulfilment.py)."""
        return between(self.split.value(), self.quantity, start, end)

    @property
    def kept(self) -> PriceSplit:
        """What the buyer keeps paying for: the shipped units not returned."""
        return self.part(self.returned, self.shipped)

    @property
    def kept_mxn(self) -> PriceSplit:
        """`kept` in pesos (a line in dollars: its share of the line's converted split)."""
        if self.split_mxn is None:
            return self.kept
        return between(self.split_mxn.value(), self.quantity, self.returned, self.shipped)


class Order(Aggregate):
    buyer: str
    channel: str
    lines: list[OrderLine]
    status: OrderStatus = OrderStatus.RESERVED
    currency: str = "MXN"
    placed_at: datetime
    reserved_until: datetime
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    completed_producers: list[str] = []
    exchange_rate: Decimal | None = None
    rate_date: date | None = None
    #: The purchase order whose acceptance placed this order (None: a marketplace order)
    purchase_order_id: str | None = None
    returns: list[LineReturn] = []

    @property
    def total(self) -> Decimal:
        return sum((line.split.total for line in self.lines), Decimal("0.00"))

    @property
    def split(self) -> PriceSplit:
        return sum((line.split.value() for line in self.lines), PriceSplit.zero())

    @property
    def total_mxn(self) -> Decimal | None:
        """The total in pesos: the total itself, or its conversion once paid (None before)."""
        if self.currency == "MXN":
            return self.total
        if self.exchange_rate is None:
            return None
        return sum((line.in_mxn.total for line in self.lines), Decimal("0.00"))

    @classmethod
    def place(
        cls,
        *,
        id: str,
        buyer: str,
        channel: Channel,
        lines: list[tuple[Product, int]],
        now: datetime,
        reserved_until: datetime,
        currency: str = "MXN",
        unit_prices: Mapping[str, Decimal] | None = None,
        purchase_order_id: str | None = None,
    ) -> Order:
        """`unit_prices`: agreed prices by product id (a purchase order's), else list prices."""
        if not lines:
            raise TradeRuleViolation("an order has at least one line")
        ids = [product.id for product, _ in lines]
        if len(set(ids)) != len(ids):
            raise TradeRuleViolation("each product appears on one line of an order")
        order = cls(
            id=id,
            buyer=buyer,
            channel=channel.id,
            lines=[
                OrderLine.of(n, p, q, channel, currency, (unit_prices or {}).get(p.id))
                for n, (p, q) in enumerate(lines, start=1)
            ],
            currency=currency,
            placed_at=now,
            reserved_until=reserved_until,
            purchase_order_id=purchase_order_id,
        )
        order.record(
            ev.OrderPlaced(
                order_id=id,
                buyer=buyer,
                channel=channel.id,
                lines=[line.info() for line in order.lines],
                total=order.total,
                currency=order.currency,
                reserved_until=reserved_until,
                placed_at=now,
                purchase_order_id=purchase_order_id,
            )
        )
        return order

    def is_past_reservation(self, now: datetime) -> bool:
        return self.status is OrderStatus.RESERVED and now >= self.reserved_until

    def expire(self, now: datetime) -> bool:
        """Release the order if its reservation ran out unpaid; True when it did."""
        if not self.is_past_reservation(now):
            return False
        self.status, self.closed_at = OrderStatus.EXPIRED, now
        self.record(
            ev.ReservationExpired(
                order_id=self.id, reserved_until=self.reserved_until, expired_at=now
            )
        )
        return True

    def pay(
        self,
        amount: Decimal,
        currency: str,
        now: datetime,
        rate: tuple[date, Decimal] | None = None,
    ) -> bool:
        """The buyer pays the exact total; False when it was paid already (a repeat). An
        order in another currency than the peso is converted at `rate` (its day, MXN per
        unit): the peso total once, shared among the lines, each line split again."""
        if self.status in (OrderStatus.PAID, OrderStatus.COMPLETED):
            return False
        if self.status is not OrderStatus.RESERVED:
            raise InvalidTransition(f"order {self.id} is {self.status.value}; it cannot be paid")
        if now >= self.reserved_until:
            raise InvalidTransition(
                f"order {self.id}'s reservation ran out at {self.reserved_until.isoformat()}",
                reserved_until=self.reserved_until.isoformat(),
            )
        if currency != self.currency or amount != self.total:
            raise TradeRuleViolation(
                f"the order's total is {self.total:.2f} {self.currency}; a payment is of the "
                "exact total",
                rule="RULES.md",
            )
        if self.currency != "MXN":
            if rate is None:
                raise TradeRuleViolation(f"a {self.currency} payment needs the day's rate")
            self._convert(*rate)
        self.status, self.paid_at = OrderStatus.PAID, now
        self.record(
            ev.OrderPaid(
                order_id=self.id,
                total=self.total,
                currency=self.currency,
                paid_at=now,
                total_mxn=self.total_mxn,
                exchange_rate=self.exchange_rate,
                rate_date=self.rate_date,
            )
        )
        return True

    def _convert(self, on: date, rate: Decimal) -> None:
        totals = allocate(to_mxn(self.total, rate), [line.split.total for line in self.lines])
        for line, total in zip(self.lines, totals, strict=True):
            terms = line.terms
            if terms is None:  # lines before channels were all in pesos
                raise TradeRuleViolation(f"line {line.number} records no terms to split by")
            line.split_mxn = Split.of(split(total, terms))
        self.exchange_rate, self.rate_date = rate, on

    def cancel(self, reason: str, now: datetime) -> bool:
        """The buyer withdraws an unpaid order; False when it holds nothing already."""
        if self.status in RELEASED:
            return False
        if self.status is not OrderStatus.RESERVED:
            raise InvalidTransition(
                f"order {self.id} is {self.status.value}: a paid order is not cancelled here "
                "(returns are not built yet)"
            )
        self.status, self.closed_at = OrderStatus.CANCELLED, now
        self.record(ev.OrderCancelled(order_id=self.id, reason=reason, cancelled_at=now))
        return True

    def line(self, number: int) -> OrderLine:
        for line in self.lines:
            if line.number == number:
                return line
        raise TradeRuleViolation(f"order {self.id} has no line {number}")

    def fulfil(
        self, number: int, on: date, quantity: int | None = None, shipment_id: str | None = None
    ) -> bool:
        """The producer's ODF shipped `quantity` units of the line (default: all still open);
        False for a repeat (the same shipment, or a whole line shipped already)."""
        line = self._shipping(number)
        if shipment_id is not None and any(s.id == shipment_id for s in line.shipments):
            return False
        if quantity is None and line.settled:
            return False
        quantity = line.open if quantity is None else quantity
        if quantity < 1 or quantity > line.open:
            raise RuleViolation(
                f"line {number} of order {self.id} has {line.open} units open to ship; "
                f"{quantity} cannot ship",
                rule="RULES.md",
                open_quantity=line.open,
                field="quantity",
            )
        line.shipped += quantity
        line.shipments.append(Shipment(id=shipment_id, quantity=quantity, on=on))
        self.record(
            ev.OrderLineFulfilled(
                order_id=self.id,
                number=number,
                product_id=line.product_id,
                producer_id=line.producer_id,
                group_id=line.group_id,
                quantity=quantity,
                fulfilled_on=on,
                shipped=line.shipped,
                open_quantity=line.open,
            )
        )
        self._settled(line, on)
        return True

    def shorten(self, number: int, reason: str, on: date) -> PriceSplit | None:
        """The producer cannot deliver the rest of the line: its open units are settled short
        and the buyer is refunded their part (returned); None when the line was settled."""
        line = self._shipping(number)
        if line.settled:
            return None
        units, refund = line.open, line.part(line.shipped, line.quantity)
        line.shortened, line.short_reason = units, reason
        self.record(
            ev.OrderLineShortened(
                order_id=self.id,
                number=number,
                product_id=line.product_id,
                producer_id=line.producer_id,
                group_id=line.group_id,
                quantity=units,
                shipped=line.shipped,
                reason=reason,
                refund=Split.of(refund).info(),
                currency=self.currency,
                shortened_on=on,
            )
        )
        self._settled(line, on)
        return refund

    def _shipping(self, number: int) -> OrderLine:
        line = self.line(number)
        if self.status not in (OrderStatus.PAID, OrderStatus.COMPLETED):
            raise InvalidTransition(
                f"order {self.id} is {self.status.value}; only a paid one ships"
            )
        return line

    def _settled(self, line: OrderLine, on: date) -> None:
        if not line.settled:
            return
        line.fulfilled_on = on
        self._complete_producer(line.producer_id, on)
        if all(x.settled for x in self.lines):
            self.status = OrderStatus.COMPLETED

    def _complete_producer(self, producer_id: str, on: date) -> None:
        """Every line of the producer settled: their sale is what shipped and was not returned
        (none when nothing of theirs shipped)."""
        theirs = [x for x in self.lines if x.producer_id == producer_id]
        if producer_id in self.completed_producers or not all(x.settled for x in theirs):
            return
        if not any(x.shipped > x.returned for x in theirs):
            return
        self.completed_producers.append(producer_id)
        total = sum((x.kept for x in theirs), PriceSplit.zero())
        mxn = sum((x.kept_mxn for x in theirs), PriceSplit.zero())
        first = theirs[0]
        self.record(
            ev.SaleCompleted(
                order_id=self.id,
                producer_id=producer_id,
                group_id=first.group_id,
                odf_id=first.odf_id,
                state_code=first.state,
                channel=self.channel,
                amount=total.total,
                producer_part=total.producer_part,
                channel_fee=total.channel_fee,
                logistics=total.logistics,
                currency=self.currency,
                completed_on=on,
                amount_mxn=mxn.total,
                producer_part_mxn=mxn.producer_part,
                exchange_rate=self.exchange_rate,
                rate_date=self.rate_date,
            ),
            key=first.group_id,
        )
