"""What callers ask of trade, as typed commands: the routes parse a request into one of these
and the service layer carries it out, so nothing reaches the domain as a loose dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from trade.domain.purchase_order import BuyerKind


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
    invention_id: str | None = None


@dataclass(frozen=True, slots=True)
class AdjustStock:
    product_id: str
    delta: int
    reason: str


@dataclass(frozen=True, slots=True)
class OrderItem:
    product_id: str
    quantity: int
    unit_price: Decimal | None = None  # an agreed price (a purchase order's); None: list price


@dataclass(frozen=True, slots=True)
class ForPurchaseOrder:
    """An order placed by accepting a purchase order: its buyer, and a hold of days."""

    purchase_order_id: str
    buyer: str
    reserve_for: timedelta


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    items: tuple[OrderItem, ...] = field(default_factory=tuple)
    purchase_order: ForPurchaseOrder | None = None
    channel_id: str = "marketplace"
    currency: str = "MXN"


@dataclass(frozen=True, slots=True)
class RegisterChannel:
    """A trade center's ODF staff, or a programme supervisor for an alliance or an
    association abroad, registers a channel with its terms [¶53, ¶96, ¶97]."""

    kind: str
    name: str
    fee_rate: Decimal
    logistics_rate: Decimal
    states: tuple[str, ...]
    currencies: tuple[str, ...] = ("MXN",)
    country: str = "MX"
    odf_ids: tuple[str, ...] = ()
    buyer_organization: str | None = None


@dataclass(frozen=True, slots=True)
class CloseChannel:
    channel_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RecordRate:
    currency: str
    on: date
    rate: Decimal


@dataclass(frozen=True, slots=True)
class WithdrawProduct:
    product_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class PayOrder:
    order_id: str
    amount: Decimal
    #: None: the order's own currency (a payment is always in it)
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class CancelOrder:
    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class FulfilLine:
    """Ship `quantity` units of the line (None: all still open); `shipment_id` makes a retry
    ship nothing more."""

    order_id: str
    number: int
    quantity: int | None = None
    shipment_id: str | None = None


@dataclass(frozen=True, slots=True)
class FulfilOrder:
    """Ship every unit still open of the order's lines that the caller's ODF ships (of
    `group_id`'s products alone, when given); `shipment_id` (each line's shipment is it and the
    line's number) makes a retry ship nothing more."""

    order_id: str
    shipment_id: str | None = None
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class ShortenLine:
    """The producer cannot deliver the rest of the line: settle it short."""

    order_id: str
    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class RequestReturn:
    order_id: str
    number: int
    quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class DecideReturn:
    """The line's ODF accepts a return (with `restock`: the units are sold again) or refuses
    it with a reason [¶55]."""

    order_id: str
    return_id: str
    accept: bool
    restock: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OpenRound:
    """ODF staff open a collective purchasing round for their groups' members [¶30, ¶69]."""

    group_ids: tuple[str, ...]
    item: str
    kind: str
    unit: str
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class StateDemand:
    round_id: str
    participant_id: str
    group_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class QuoteTier:
    min_quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class RecordQuote:
    round_id: str
    supplier_id: str
    supplier_name: str
    tiers: tuple[QuoteTier, ...]
    delivery_charge: Decimal = Decimal("0.00")
    major_client_terms: bool = False
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class WithdrawDemand:
    round_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class PayShare:
    """A member's exact cost share of a round, paid by them or their ODF's staff."""

    round_id: str
    participant_id: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ChooseQuote:
    round_id: str
    quote_id: str
    group_id: str


@dataclass(frozen=True, slots=True)
class PurchaseOrderItem:
    product_id: str
    quantity: int
    deliver_on: date
    unit_price: Decimal | None = None  # agreed with the ODF; None: the list price


@dataclass(frozen=True, slots=True)
class SubmitPurchaseOrder:
    """A chain [¶96] or a Support Committee buyer [¶54] asks a group's ODF for products."""

    group_id: str
    buyer_kind: BuyerKind
    lines: tuple[PurchaseOrderItem, ...]


@dataclass(frozen=True, slots=True)
class DecidePurchaseOrder:
    """The ODF declines a purchase order, or its buyer withdraws it, saying why."""

    purchase_order_id: str
    reason: str
