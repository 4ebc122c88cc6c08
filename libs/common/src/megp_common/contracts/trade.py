"""Events published by the trade service on `trade.events`.

Products and their stock are keyed by the producer's project group; an order's events by the
order id, except `SaleCompleted`, keyed by the producer's group (the revenue event its
consumers, enrollment first, read per group).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from megp_common.events import EventPayload, event_type
from megp_common.money import MoneyAmount


class PriceSplitInfo(BaseModel):
    """How a sale line's total divides [¶97-¶98]: the three parts sum to `total` exactly."""

    model_config = ConfigDict(frozen=True)

    total: MoneyAmount
    producer_part: MoneyAmount
    channel_fee: MoneyAmount = Field(description="The channel's or trade center's fee")
    logistics: MoneyAmount


@event_type("trade.ProductListed")
class ProductListed(EventPayload):
    """The group's ODF lists a product of one of its members [¶94]."""

    product_id: str
    group_id: str
    odf_id: str
    producer_id: str = Field(description="The participant who produces it")
    state_code: str
    municipality: str
    name: str
    category: str
    niche: str = Field(description="The market niche it aims at [¶95]")
    unit: str
    price_mxn: MoneyAmount
    price_usd: MoneyAmount | None = None
    programmes: list[str] = Field(description="Specific programmes it represents")
    stock: int = Field(ge=0)
    producer_share: Decimal = Field(description="The producer's part of each sale, 0 to 1")
    listed_at: datetime


@event_type("trade.StockAdjusted")
class StockAdjusted(EventPayload):
    """The ODF counted the product's stock again: `delta` units more (or fewer) available."""

    product_id: str
    group_id: str
    state_code: str
    delta: int
    available: int = Field(ge=0)
    reserved: int = Field(ge=0)
    reason: str
    adjusted_at: datetime


class OrderLineInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    product_id: str
    producer_id: str
    group_id: str
    odf_id: str
    state_code: str
    quantity: int = Field(ge=1)
    unit_price: MoneyAmount
    split: PriceSplitInfo
    channel_id: str | None = Field(default=None, description="The channel whose terms split it")


@event_type("trade.OrderPlaced")
class OrderPlaced(EventPayload):
    """Every line's stock is reserved until `reserved_until`; payment confirms the order."""

    order_id: str
    buyer: str = Field(description="The token subject of who ordered")
    channel: str
    lines: list[OrderLineInfo]
    total: MoneyAmount
    currency: str = "MXN"
    reserved_until: datetime
    placed_at: datetime


@event_type("trade.OrderPaid")
class OrderPaid(EventPayload):
    order_id: str
    total: MoneyAmount
    currency: str = "MXN"
    paid_at: datetime
    total_mxn: MoneyAmount | None = Field(
        default=None, description="The total in pesos (at `exchange_rate` for a USD order)"
    )
    exchange_rate: Decimal | None = None
    rate_date: date | None = None


@event_type("trade.OrderCancelled")
class OrderCancelled(EventPayload):
    """The buyer cancelled before paying: every line's reservation is released."""

    order_id: str
    reason: str
    cancelled_at: datetime


@event_type("trade.ReservationExpired")
class ReservationExpired(EventPayload):
    """The order was not paid in time: every line's reservation is released."""

    order_id: str
    reserved_until: datetime
    expired_at: datetime


@event_type("trade.OrderLineFulfilled")
class OrderLineFulfilled(EventPayload):
    order_id: str
    number: int = Field(ge=1)
    product_id: str
    producer_id: str
    group_id: str
    quantity: int = Field(ge=1)
    fulfilled_on: date


@event_type("trade.SaleCompleted")
class SaleCompleted(EventPayload):
    """Revenue for one producer: every line of theirs in a paid order is fulfilled. One event
    per (order, producer); `amount` is their lines' total, `producer_part` what they earn."""

    order_id: str
    producer_id: str
    group_id: str
    odf_id: str
    state_code: str
    channel: str
    amount: MoneyAmount
    producer_part: MoneyAmount
    channel_fee: MoneyAmount
    logistics: MoneyAmount
    currency: str = "MXN"
    completed_on: date
    amount_mxn: MoneyAmount | None = Field(
        default=None,
        description="`amount` in pesos: the same for an MXN sale, converted at the recorded "
        "rate of the payment's day for a USD one (None in events before channels)",
    )
    producer_part_mxn: MoneyAmount | None = Field(
        default=None, description="`producer_part` in pesos, as `amount_mxn`"
    )
    exchange_rate: Decimal | None = Field(
        default=None, description="MXN per unit of `currency` the sale was converted at"
    )
    rate_date: date | None = Field(default=None, description="The day whose rate it was")


@event_type("trade.ProductWithdrawn")
class ProductWithdrawn(EventPayload):
    """The group's ODF takes the product off sale: no new orders; reservations and paid
    orders already taken are honoured."""

    product_id: str
    group_id: str
    state_code: str
    reason: str
    withdrawn_at: datetime


# ---------------------------------------------------------------------------------------------
# Sales channels [¶53, ¶54, ¶96, ¶97]: a channel's events are keyed by the channel id.


@event_type("trade.ChannelRegistered")
class ChannelRegistered(EventPayload):
    """A channel the products are sold through, with its own terms: the marketplace, a trade
    center of one or several ODFs, an alliance with a chain, an association abroad."""

    channel_id: str
    kind: str = Field(description="marketplace | trade_center | alliance | association_abroad")
    name: str
    fee_rate: Decimal = Field(description="The channel's fee, a fraction of each sale line")
    logistics_rate: Decimal
    currencies: list[str]
    country: str = Field(description="ISO 3166-1 alpha-2 code of where it sells")
    states: list[str] = Field(description="Its states (none: national or abroad)")
    state_bound: bool
    odf_ids: list[str] = Field(default_factory=list, description="A trade center's owners")
    buyer_organization: str | None = None
    registered_by: str
    registered_at: datetime


@event_type("trade.ChannelClosed")
class ChannelClosed(EventPayload):
    """The channel takes no new orders; orders already placed through it go on."""

    channel_id: str
    reason: str
    closed_at: datetime


@event_type("trade.ExchangeRateRecorded")
class ExchangeRateRecorded(EventPayload):
    """A national supervisor recorded a day's rate: USD payments of that day convert at it."""

    currency: str
    rate_date: date
    rate: Decimal = Field(description="MXN per unit of `currency`, six decimals at most")
    recorded_by: str
    recorded_at: datetime


# ---------------------------------------------------------------------------------------------
# Collective purchasing [¶30, ¶69]: a round's events are keyed by the round id.


class _RoundEvent(EventPayload):
    round_id: str
    odf_ids: list[str] = Field(description="The participating Development Organizations")
    state_code: str | None = None


@event_type("trade.PurchasingRoundOpened")
class PurchasingRoundOpened(_RoundEvent):
    """One or several ODFs open a round to pool their groups' members' demand for an input."""

    item: str
    kind: str = Field(description="raw_material | input | capital_good")
    unit: str
    opened_at: datetime
    closes_at: datetime


@event_type("trade.PurchasingRoundClosed")
class PurchasingRoundClosed(_RoundEvent):
    """The closing date came: the pooled quantity is fixed."""

    pooled_quantity: int
    members: int
    closed_at: datetime


@event_type("trade.QuoteChosen")
class QuoteChosen(_RoundEvent):
    """The ODF chose a supplier's quote for the pooled quantity [¶55]."""

    quote_id: str
    supplier_id: str
    major_client_terms: bool = Field(description="A Support Committee company's terms [¶54]")
    pooled_quantity: int
    unit_price: MoneyAmount
    delivery_charge: MoneyAmount
    total: MoneyAmount
    currency: str = "MXN"
    chosen_by: str
    decided_as: str = Field(description="board | staff")
    chosen_at: datetime


@event_type("trade.PurchaseAllocated")
class PurchaseAllocated(_RoundEvent):
    """One member's part of the round: what they get and what it costs them. Paying it (the
    member, or the ODF financing it) is for funds or credit to decide by their own rules."""

    participant_id: str
    member_odf_id: str
    quantity: int
    cost_share: MoneyAmount
    currency: str = "MXN"
    alone_cost: MoneyAmount | None = Field(
        default=None, description="what the best quote would charge them alone (None: none would)"
    )
