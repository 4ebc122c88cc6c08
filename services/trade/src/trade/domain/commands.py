"""What callers ask of trade, as typed commands: the routes parse a request into one of these
and the service layer carries it out, so nothing reaches the domain as a loose dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ListProduct:
    """The group's ODF lists a product of one of its members [¶94]."""

    group_id: str
    producer_id: str
    name: str
    category: str
    niche: str
    unit: str
    price_mxn: Decimal
    stock: int
    municipality: str | None = None
    price_usd: Decimal | None = None
    programmes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdjustStock:
    product_id: str
    delta: int
    reason: str


@dataclass(frozen=True, slots=True)
class OrderItem:
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    items: tuple[OrderItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class PayOrder:
    order_id: str
    amount: Decimal
    currency: str = "MXN"


@dataclass(frozen=True, slots=True)
class CancelOrder:
    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class FulfilLine:
    order_id: str
    number: int
