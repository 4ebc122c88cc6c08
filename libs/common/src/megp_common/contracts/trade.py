"""Events published by the trade service on `trade.events`.

Products and their stock are keyed by the producer's project group; an order's events by the
order id, except `SaleCompleted` and `SaleReturned`, keyed by the producer's group (the
revenue events their consumers, enrollment first, read per group). A purchase order's events
are keyed by its group.
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
    purchase_order_id: str | None = Field(
        default=None, description="The purchase order whose acceptance placed it, if any"
    )


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
    """The producer's ODF shipped `quantity` units of the line (a line may ship in parts)."""

    order_id: str
    number: int = Field(ge=1)
    product_id: str
    producer_id: str
    group_id: str
    quantity: int = Field(ge=1, description="Units shipped in this part")
    fulfilled_on: date
    shipped: int | None = Field(default=None, description="Units of the line shipped so far")
    open_quantity: int | None = Field(
        default=None, ge=0, description="Units of the line still to ship (None: before parts)"
    )


@event_type("trade.OrderLineShortened")
class OrderLineShortened(EventPayload):
    """The producer cannot deliver the rest of the line: its `quantity` unshipped units are
    settled short and the buyer is refunded their part of the price (`refund`, whose parts
    sum to its total exactly)."""

    order_id: str
    number: int = Field(ge=1)
    product_id: str
    producer_id: str
    group_id: str
    quantity: int = Field(ge=1, description="Units that will not ship")
    shipped: int = Field(ge=0)
    reason: str
    refund: PriceSplitInfo
    currency: str = "MXN"
    shortened_on: date


@event_type("trade.ReturnRequested")
class ReturnRequested(EventPayload):
    """The buyer asks to return shipped units of a line; the line's ODF decides [¶55]."""

    order_id: str
    return_id: str
    number: int = Field(ge=1)
    product_id: str
    producer_id: str
    group_id: str
    quantity: int = Field(ge=1)
    reason: str
    requested_at: datetime


@event_type("trade.ReturnAccepted")
class ReturnAccepted(EventPayload):
    """The line's ODF accepted a return: the buyer is refunded the units' part of the price;
    with `restock` the units are available again."""

    order_id: str
    return_id: str
    number: int = Field(ge=1)
    quantity: int = Field(ge=1)
    restock: bool
    refund: PriceSplitInfo
    currency: str = "MXN"
    decided_by: str
    accepted_at: datetime


@event_type("trade.ReturnRefused")
class ReturnRefused(EventPayload):
    order_id: str
    return_id: str
    number: int = Field(ge=1)
    quantity: int = Field(ge=1)
    reason: str
    decided_by: str
    refused_at: datetime


@event_type("trade.SaleCompleted")
class SaleCompleted(EventPayload):
    """Revenue for one producer: every line of theirs in a paid order is settled (shipped, or
    settled short). One event per (order, producer), none when nothing of theirs shipped;
    `amount` is what shipped (less returns accepted before), `producer_part` what they earn."""

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


@event_type("trade.SaleReturned")
class SaleReturned(EventPayload):
    """Negative revenue for one producer: a return accepted after their `SaleCompleted` for
    the order. One event per return; the amounts are what the return takes back (MXN), so a
    consumer subtracts `producer_part` from the producer's results."""

    order_id: str
    return_id: str
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
    returned_on: date
    amount_mxn: MoneyAmount | None = Field(
        default=None,
        description="`amount` in pesos: the same for an MXN sale; for a USD one the returned "
        "units' part of the line's peso split (the order's recorded rate)",
    )
    producer_part_mxn: MoneyAmount | None = Field(
        default=None, description="`producer_part` in pesos, as `amount_mxn`"
    )


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


# ---------------------------------------------------------------------------------------------
# Purchase orders [¶54-¶55, ¶96]: a chain's or a Support Committee buyer's request to one group's
# ODF, which accepts or declines it. Keyed by the group id (one group's requests stay in order).


class PurchaseOrderLineInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    product_id: str
    producer_id: str
    quantity: int = Field(ge=1)
    unit_price: MoneyAmount = Field(description="The agreed unit price (the list price if none)")
    list_price: MoneyAmount = Field(description="The product's list price when it was received")
    total: MoneyAmount
    deliver_on: date = Field(description="The delivery date the buyer asks for")


class _PurchaseOrderEvent(EventPayload):
    purchase_order_id: str
    group_id: str
    odf_id: str
    state_code: str


@event_type("trade.PurchaseOrderReceived")
class PurchaseOrderReceived(_PurchaseOrderEvent):
    """A buyer (a shop chain [¶96] or a Support Committee buyer [¶54]) asks the group's ODF for
    its members' products; the ODF decides [¶55]."""

    buyer_kind: str = Field(description="chain | committee")
    buyer: str = Field(description="The chain's organization, or the committee participant's id")
    lines: list[PurchaseOrderLineInfo]
    total: MoneyAmount
    currency: str = "MXN"
    received_at: datetime


@event_type("trade.PurchaseOrderAccepted")
class PurchaseOrderAccepted(_PurchaseOrderEvent):
    """The ODF accepted: an order holds every line's stock until `reserved_until`."""

    order_id: str
    total: MoneyAmount
    currency: str = "MXN"
    reserved_until: datetime
    decided_by: str
    accepted_at: datetime


@event_type("trade.PurchaseOrderDeclined")
class PurchaseOrderDeclined(_PurchaseOrderEvent):
    reason: str
    decided_by: str
    declined_at: datetime


@event_type("trade.PurchaseOrderWithdrawn")
class PurchaseOrderWithdrawn(_PurchaseOrderEvent):
    """The buyer withdrew the request before the ODF decided."""

    reason: str
    withdrawn_at: datetime


@event_type("trade.AllocationPaid")
class AllocationPaid(_RoundEvent):
    """A member paid their whole cost share of the round (the exact amount), themself or
    through their ODF's staff."""

    participant_id: str
    member_odf_id: str
    amount: MoneyAmount
    currency: str = "MXN"
    paid_by: str = Field(description="Who paid: the member themself, or the staff for them")
    paid_at: datetime


class FinancedShare(BaseModel):
    """A member's unpaid cost share that the ODF asks to have financed."""

    model_config = ConfigDict(frozen=True)

    participant_id: str
    member_odf_id: str
    cost_share: MoneyAmount


@event_type("trade.PurchaseFinancingRequested")
class PurchaseFinancingRequested(_RoundEvent):
    """The deciding ODF asks for the round's unpaid shares to be financed [¶30, ¶69]. Trade
    holds none of that money and decides nothing about it: credit (or funds) acts on this by
    its own rules. `amount` is the sum of `members`' shares."""

    financing_id: str = Field(description="Trade's id of this request (one per round)")
    odf_id: str = Field(description="The deciding Development Organization that asks")
    group_id: str = Field(description="The deciding project group (whose line it would draw on)")
    item: str
    amount: MoneyAmount
    currency: str = "MXN"
    members: list[FinancedShare]
    requested_by: str
    requested_at: datetime
