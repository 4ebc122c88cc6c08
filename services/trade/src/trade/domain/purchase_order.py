"""A purchase order: a shop chain's or supermarket's [¶96], or a Support Committee buyer's
[¶54], request to one project group's ODF for its members' products, line by line (a product,
the quantity, the delivery date asked for and, if negotiated, the unit price). The ODF decides:
it accepts or declines, once; the buyer, a committee member, a donor or a lender never does
[¶55]. Until the ODF decides, the buyer may withdraw it.

    received ──accept──> accepted   (an order now holds the stock: see service_layer)
        │ ────decline──> declined
        └────withdraw──> withdrawn
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from megp_common import decisions
from megp_common.aggregate import Aggregate
from megp_common.contracts import trade as ev
from megp_common.refusals import DecisionRefused, StateConflict
from trade.domain.errors import InvalidTransition, TradeRuleViolation
from trade.domain.pricing import line_total
from trade.domain.product import Product

RULE = "¶55"


class BuyerKind(StrEnum):
    CHAIN = "chain"  # a shop chain or supermarket in an alliance with the ODF [¶96]
    COMMITTEE = "committee"  # a participant on the project's Support Committee [¶54]


class PurchaseOrderStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class LineRequest:
    """One line as the buyer asks for it; `unit_price` None means the product's list price."""

    product: Product
    quantity: int
    deliver_on: date
    unit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Shortage:
    product_id: str
    requested: int
    available: int


class PurchaseOrderStockShort(StateConflict):
    """Accepting needs more units than are left (409): says what is left of every product."""

    def __init__(self, purchase_order_id: str, shortages: Iterable[Shortage]) -> None:
        every = list(shortages)
        short = [s for s in every if s.available < s.requested] or every
        super().__init__(
            f"purchase order {purchase_order_id} cannot be accepted: "
            + "; ".join(
                f"product {s.product_id} has {s.available} units left, {s.requested} asked for"
                for s in short
            ),
            slug="stock-short",
            title="Not enough stock",
            product_id=short[0].product_id,
            requested=short[0].requested,
            available=short[0].available,
            lines=[
                {"product_id": s.product_id, "requested": s.requested, "available": s.available}
                for s in every
            ],
        )


class PurchaseOrderLine(BaseModel):
    number: int
    product_id: str
    producer_id: str
    quantity: int
    unit_price: Decimal
    list_price: Decimal
    deliver_on: date

    @property
    def total(self) -> Decimal:
        return line_total(self.unit_price, self.quantity)

    def info(self) -> ev.PurchaseOrderLineInfo:
        return ev.PurchaseOrderLineInfo(**self.model_dump(), total=self.total)


def _check_lines(group_id: str, lines: list[LineRequest], today: date, horizon_days: int) -> None:
    if not lines:
        raise TradeRuleViolation("a purchase order has at least one line")
    ids = [x.product.id for x in lines]
    if len(set(ids)) != len(ids):
        raise TradeRuleViolation("each product appears on one line of a purchase order")
    latest = today + timedelta(days=horizon_days)
    for x in lines:
        if x.product.group_id != group_id:
            raise TradeRuleViolation(
                f"product {x.product.id} belongs to group {x.product.group_id}; a purchase order "
                f"goes to one group's ODF, which sells its own members' products only [¶94]",
                rule="¶94",
            )
        if x.quantity < 1:
            raise TradeRuleViolation("a line asks for at least one unit")
        if not today <= x.deliver_on <= latest:
            raise TradeRuleViolation(
                f"a delivery date is from today ({today.isoformat()}) to {latest.isoformat()} "
                f"({horizon_days} days on); {x.deliver_on.isoformat()} is not",
            )


class PurchaseOrder(Aggregate):
    group_id: str
    odf_id: str
    state: str
    buyer_kind: BuyerKind
    buyer: str
    submitted_by: str
    lines: list[PurchaseOrderLine]
    status: PurchaseOrderStatus = PurchaseOrderStatus.RECEIVED
    currency: str = "MXN"
    received_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    order_id: str | None = None
    reserved_until: datetime | None = None

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    @property
    def total(self) -> Decimal:
        return sum((x.total for x in self.lines), Decimal("0.00"))

    def _header(self) -> dict[str, str]:
        return {
            "purchase_order_id": self.id,
            "group_id": self.group_id,
            "odf_id": self.odf_id,
            "state_code": self.state,
        }

    @classmethod
    def receive(
        cls,
        *,
        id: str,
        group_id: str,
        odf_id: str,
        state: str,
        buyer_kind: BuyerKind,
        buyer: str,
        submitted_by: str,
        lines: list[LineRequest],
        now: datetime,
        horizon_days: int,
    ) -> PurchaseOrder:
        _check_lines(group_id, lines, now.date(), horizon_days)
        po = cls(
            id=id,
            group_id=group_id,
            odf_id=odf_id,
            state=state,
            buyer_kind=buyer_kind,
            buyer=buyer,
            submitted_by=submitted_by,
            lines=[
                PurchaseOrderLine(
                    number=n,
                    product_id=x.product.id,
                    producer_id=x.product.producer_id,
                    quantity=x.quantity,
                    unit_price=x.product.price_mxn if x.unit_price is None else x.unit_price,
                    list_price=x.product.price_mxn,
                    deliver_on=x.deliver_on,
                )
                for n, x in enumerate(lines, start=1)
            ],
            received_at=now,
        )
        po.record(
            ev.PurchaseOrderReceived(
                **po._header(),
                buyer_kind=buyer_kind.value,
                buyer=buyer,
                lines=[x.info() for x in po.lines],
                total=po.total,
                currency=po.currency,
                received_at=now,
            )
        )
        return po

    def is_buyer(self, subject: str, participant_id: str | None, organization: str | None) -> bool:
        """The caller speaks for the buyer: the token that submitted it, the chain's
        organization, or the committee participant themself."""
        if subject == self.submitted_by:
            return True
        if self.buyer_kind is BuyerKind.CHAIN:
            return organization == self.buyer
        return self.buyer in (participant_id, subject)

    def may_decide(
        self,
        roles: Iterable[object],
        participant_id: str | None,
        support_committee: Iterable[str],
        *,
        is_buyer: bool,
    ) -> None:
        """[¶55] before anything else: a Support Committee member, a donor, a lender or the
        buyer itself never accepts or declines."""
        decisions.refuse_outsiders(roles, participant_id, support_committee)
        if is_buyer:
            raise DecisionRefused(
                f"the caller speaks for purchase order {self.id}'s buyer; the buyer never "
                "decides on its own request, the group's ODF does [¶55]",
                rule=RULE,
            )

    def check_received(self, doing: str) -> None:
        """409 unless the ODF has not decided yet (and the buyer has not withdrawn it)."""
        if self.status is not PurchaseOrderStatus.RECEIVED:
            raise InvalidTransition(
                f"purchase order {self.id} is {self.status.value}; it cannot be {doing}",
                current_status=self.status.value,
            )

    def accept(self, order_id: str, reserved_until: datetime, by: str, now: datetime) -> None:
        """The ODF accepts: `order_id` is the order holding every line's stock."""
        self.check_received("accepted")
        self.status, self.order_id, self.reserved_until = (
            PurchaseOrderStatus.ACCEPTED,
            order_id,
            reserved_until,
        )
        self.decided_at, self.decided_by = now, by
        self.record(
            ev.PurchaseOrderAccepted(
                **self._header(),
                order_id=order_id,
                total=self.total,
                currency=self.currency,
                reserved_until=reserved_until,
                decided_by=by,
                accepted_at=now,
            )
        )

    def decline(self, reason: str, by: str, now: datetime) -> None:
        self.check_received("declined")
        self.status, self.reason = PurchaseOrderStatus.DECLINED, reason
        self.decided_at, self.decided_by = now, by
        self.record(
            ev.PurchaseOrderDeclined(
                **self._header(), reason=reason, decided_by=by, declined_at=now
            )
        )

    def withdraw(self, reason: str, now: datetime) -> None:
        """The buyer withdraws before the ODF decided."""
        self.check_received("withdrawn")
        self.status, self.reason, self.decided_at = PurchaseOrderStatus.WITHDRAWN, reason, now
        self.record(ev.PurchaseOrderWithdrawn(**self._header(), reason=reason, withdrawn_at=now))
