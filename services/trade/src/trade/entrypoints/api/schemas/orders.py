"""Orders across producers: lines, their fair-trade split, reservation and payment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from megp_common.money import CurrencyCode, MoneyAmount, PaymentAmount, Quantity, Rate
from megp_common.schemas import RequestModel
from trade.domain.commands import OrderItem, PlaceOrder
from trade.domain.order import Order, OrderStatus


class OrderItemIn(RequestModel):
    product_id: str = Field(min_length=1, max_length=100)
    quantity: Quantity


class OrderCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"lines": [{"product_id": "0194f2a1-aa11-7b22-8c33-4d44e55f6607", "quantity": 2}]}
            ]
        },
    )

    lines: list[OrderItemIn] = Field(min_length=1, max_length=50)
    channel_id: str = Field(
        default="marketplace",
        min_length=1,
        max_length=100,
        description="The channel it is bought through: its terms split every line",
    )
    currency: CurrencyCode = Field(
        default="MXN",
        description="The order's currency and so its price list: MXN, or USD where the "
        "channel takes it and every product has a USD price",
    )

    def command(self) -> PlaceOrder:
        return PlaceOrder(
            tuple(OrderItem(x.product_id, x.quantity) for x in self.lines),
            channel_id=self.channel_id,
            currency=self.currency,
        )


class OrderPayment(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "1700.00"}]}
    )

    amount: PaymentAmount = Field(
        description="The order's exact total, in its currency (a USD order: dollars, worth "
        "pesos at the rate recorded for the payment's day)"
    )


class OrderCancellation(RequestModel):
    reason: Annotated[str, Field(min_length=3, max_length=200)]


class SplitPublic(BaseModel):
    total: MoneyAmount
    producer_part: MoneyAmount
    channel_fee: MoneyAmount
    logistics: MoneyAmount


class OrderLinePublic(BaseModel):
    number: int
    product_id: str
    producer_id: str
    group_id: str
    odf_id: str
    state: str
    quantity: int
    unit_price: MoneyAmount
    split: SplitPublic
    fulfilled_on: date | None = Field(
        default=None, description="When the line was settled (every unit shipped or shortened)"
    )
    shipped: int = 0
    shortened: int = Field(default=0, description="Units settled short: the buyer refunded")
    returned: int = Field(default=0, description="Shipped units given back by accepted returns")
    channel_id: str
    fee_rate: Rate | None = None
    logistics_rate: Rate | None = None
    split_mxn: SplitPublic | None = Field(
        default=None, description="A line in dollars, in pesos at the order's rate (once paid)"
    )


class ReturnSummary(BaseModel):
    id: str
    number: int
    quantity: int
    status: str
    refund: SplitPublic | None = None


class OrderPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0194f2a1-bb11-7b22-8c33-4d44e55f6607",
                    "version": 1,
                    "status": "reserved",
                    "channel": "marketplace",
                    "currency": "MXN",
                    "total": "1700.00",
                    "lines": [],
                    "placed_at": "2027-03-01T12:00:00Z",
                    "reserved_until": "2027-03-01T12:30:00Z",
                }
            ]
        }
    )

    id: str
    version: int
    status: OrderStatus
    channel: str
    currency: str
    total: MoneyAmount
    lines: list[OrderLinePublic]
    placed_at: datetime
    reserved_until: datetime
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    purchase_order_id: str | None = None
    returns: list[ReturnSummary] = []
    total_mxn: MoneyAmount | None = Field(
        default=None, description="The total in pesos (a USD order: once paid, at its rate)"
    )
    exchange_rate: Rate | None = None
    rate_date: date | None = None

    @classmethod
    def of(cls, order: Order) -> OrderPublic:
        return cls.model_validate(
            order.model_dump(exclude={"applied", "buyer", "completed_producers"})
            | {"total": order.total, "total_mxn": order.total_mxn}
        )
