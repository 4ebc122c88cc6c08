"""Returns of shipped units [the ODF decides, ¶55]: within `RETURN_DAYS` of the line's last
shipment the buyer asks to return shipped units of a line; the ODF of the line's group accepts
(the buyer is refunded the units' part of the price, `fulfilment.between`; with `restock` the
units are available again) or refuses with a reason. A return accepted after the producer's
`SaleCompleted` for the order is negative revenue: `SaleReturned`, once per return, keyed by
the producer's group. One accepted before it makes the sale smaller instead."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel

from megp_common.contracts import trade as ev
from megp_common.refusals import NotFound, RuleViolation
from trade.domain.errors import InvalidTransition
from trade.domain.fulfilment import between
from trade.domain.pricing import PriceSplit

if TYPE_CHECKING:
    from trade.domain.order import Order, OrderLine


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class LineReturn(BaseModel):
    id: str
    number: int
    quantity: int
    reason: str
    requested_at: datetime
    status: ReturnStatus = ReturnStatus.REQUESTED
    restock: bool = False
    refund: PriceSplit | None = None
    refusal: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    #: a SaleReturned was announced for it (the producer's sale had completed)
    sale_returned: bool = False


def returnable(order: Order, line: OrderLine) -> int:
    """Shipped units of the line not returned nor asked to be returned yet."""
    pending = sum(
        r.quantity
        for r in order.returns
        if r.number == line.number and r.status is ReturnStatus.REQUESTED
    )
    return line.shipped - line.returned - pending


def request_return(
    order: Order,
    *,
    return_id: str,
    number: int,
    quantity: int,
    reason: str,
    now: datetime,
    window: timedelta,
) -> bool:
    """The buyer asks to return `quantity` shipped units of line `number`; False for a repeat."""
    if any(r.id == return_id for r in order.returns):
        return False
    line = order.line(number)
    if not line.shipments:
        raise InvalidTransition(f"line {number} of order {order.id} has shipped nothing")
    last = max(s.on for s in line.shipments)
    if now.date() > last + window:
        raise InvalidTransition(
            f"line {number} last shipped on {last.isoformat()}; returns are taken within "
            f"{window.days} days of shipment",
            slug="return-window-closed",
            title="Return window closed",
            last_shipped_on=last.isoformat(),
            return_days=window.days,
        )
    left = returnable(order, line)
    if not 1 <= quantity <= left:
        raise RuleViolation(
            f"{left} shipped units of line {number} can be returned; {quantity} cannot",
            rule="RULES.md",
            returnable=left,
        )
    order.returns.append(
        LineReturn(id=return_id, number=number, quantity=quantity, reason=reason, requested_at=now)
    )
    order.record(
        ev.ReturnRequested(
            order_id=order.id,
            return_id=return_id,
            number=number,
            product_id=line.product_id,
            producer_id=line.producer_id,
            group_id=line.group_id,
            quantity=quantity,
            reason=reason,
            requested_at=now,
        )
    )
    return True


def find_return(order: Order, return_id: str) -> LineReturn:
    for r in order.returns:
        if r.id == return_id:
            return r
    raise NotFound(f"order {order.id} has no return {return_id}")


def decide_return(
    order: Order,
    return_id: str,
    *,
    accept: bool,
    restock: bool,
    reason: str | None,
    by: str,
    now: datetime,
) -> bool:
    """The line's ODF accepts or refuses the return; False when it decided so already (a
    retry). Deciding otherwise afterwards is a 409."""
    ret = find_return(order, return_id)
    wanted = ReturnStatus.ACCEPTED if accept else ReturnStatus.REFUSED
    if ret.status is not ReturnStatus.REQUESTED:
        if ret.status is wanted:
            return False
        raise InvalidTransition(f"return {return_id} was {ret.status.value} already")
    ret.decided_by, ret.decided_at = by, now
    if not accept:
        ret.status, ret.refusal = ReturnStatus.REFUSED, reason or ""
        order.record(
            ev.ReturnRefused(
                order_id=order.id,
                return_id=ret.id,
                number=ret.number,
                quantity=ret.quantity,
                reason=ret.refusal,
                decided_by=by,
                refused_at=now,
            )
        )
        return True
    line = order.line(ret.number)
    refund = line.part(line.returned, line.returned + ret.quantity)
    pesos = between(line.in_mxn, line.quantity, line.returned, line.returned + ret.quantity)
    line.returned += ret.quantity
    ret.status, ret.restock, ret.refund = ReturnStatus.ACCEPTED, restock, refund
    order.record(
        ev.ReturnAccepted(
            order_id=order.id,
            return_id=ret.id,
            number=ret.number,
            quantity=ret.quantity,
            restock=restock,
            refund=_info(refund),
            currency=order.currency,
            decided_by=by,
            accepted_at=now,
        )
    )
    if line.producer_id in order.completed_producers:
        ret.sale_returned = True
        order.record(
            ev.SaleReturned(
                order_id=order.id,
                return_id=ret.id,
                producer_id=line.producer_id,
                group_id=line.group_id,
                odf_id=line.odf_id,
                state_code=line.state,
                channel=order.channel,
                amount=refund.total,
                producer_part=refund.producer_part,
                channel_fee=refund.channel_fee,
                logistics=refund.logistics,
                currency=order.currency,
                returned_on=now.date(),
                amount_mxn=pesos.total,
                producer_part_mxn=pesos.producer_part,
            ),
            key=line.group_id,
        )
    return True


def _info(s: PriceSplit) -> ev.PriceSplitInfo:
    return ev.PriceSplitInfo(
        total=s.total,
        producer_part=s.producer_part,
        channel_fee=s.channel_fee,
        logistics=s.logistics,
    )
