"""Use cases on orders: place (reserve every line or none), pay, cancel, expire (fulfilment
and returns: `fulfilment.py`).

Placing an order reserves each line with one conditional update of the product's stock
document (never a read-modify-write), the lines' updates sent as one bulk write. When a line
cannot be had (or anything else fails), what the other lines reserved is released before the
buyer hears why: a 409 saying what is left. The order's holds are keyed by its id (the same on a
retry of the same Idempotency-Key), so a retry reserves nothing twice and a release or a sale
settles each hold once; an order's sales (or releases) are one bulk write too."""

from __future__ import annotations

import asyncio

from megp_common.answers import Answering
from megp_common.auth import Principal, Role
from megp_common.auth.donors import is_donor_portal
from megp_common.errors import Conflict, NotFound
from trade.domain.commands import CancelOrder, PayOrder, PlaceOrder
from trade.domain.errors import StockShort, TradeRuleViolation
from trade.domain.order import RELEASED, Order, OrderStatus
from trade.service_layer import channels, rates
from trade.service_layer.container import Services


async def place(
    services: Services,
    who: Principal,
    command: PlaceOrder,
    order_id: str,
    answer: Answering[Order] | None = None,
) -> Order:
    """`answer`: the keyed request's answer, committed with the order (megp_common.answers);
    a retry finds it in the order read by its id (derived from the key)."""
    existing = await services.orders.find(order_id)
    if existing is not None:
        return await _answered(services, existing, answer)  # a retry after the order was stored
    ids = [item.product_id for item in command.items]
    if len(set(ids)) != len(ids):
        raise TradeRuleViolation("each product appears on one line of an order")
    # the channel (as this process knows it) and the products read at once (the products in
    # one `$in` query)
    channel, found = await asyncio.gather(
        channels.channel(services, command.channel_id, for_order=True),
        services.products.find_by_ids(ids),
    )
    missing = next((i for i in ids if i not in found), None)
    if missing is not None:
        raise NotFound(f"no product has the id {missing}")
    products = [(found[item.product_id], item.quantity) for item in command.items]
    # the channel's rule (who buys, in what, from which states) before anything is reserved
    await channels.admit(services, who, channel, command.currency, [p.state for p, _ in products])
    for product, _ in products:
        product.expect_on_sale()
    now, link = services.now(), command.purchase_order
    until = now + (services.reservation if link is None else link.reserve_for)
    order = Order.place(
        id=order_id,
        buyer=who.subject if link is None else link.buyer,
        channel=channel,
        lines=products,
        now=now,
        reserved_until=until,
        currency=command.currency,
        unit_prices={x.product_id: x.unit_price for x in command.items if x.unit_price is not None},
        purchase_order_id=None if link is None else link.purchase_order_id,
    )
    lines = [(product.id, quantity) for product, quantity in products]
    short = await services.stock.reserve_all(order_id, lines, until)
    for product_id, quantity in lines:  # every line was given back: say the first that is short
        if product_id in short:
            raise StockShort(product_id, quantity, short[product_id].available)
    try:
        await services.orders.add(order, answer)
    except Conflict:
        stored = await services.orders.find(order_id)  # a concurrent retry stored it first
        if stored is not None:
            return await _answered(services, stored, answer)
        await services.stock.release_all(order_id, lines, until)
        raise
    except BaseException:
        # all or nothing: what the lines reserved goes back before the buyer hears why
        await services.stock.release_all(order_id, lines, until)
        raise
    _held(services, order, answer)
    return order


def _held(services: Services, order: Order, answer: Answering[Order] | None) -> None:
    """A keyed request's order as it committed it, held for the order's next request (see
    `OrderRepository`): held only by a request that succeeded, once nothing changes it more."""
    if answer is not None and answer.committed is not None:
        services.orders.hold(order)


async def _answered(services: Services, order: Order, answer: Answering[Order] | None) -> Order:
    """An order stored before this request's attempt: its answer when the order keeps it (a
    replay, or the 422 of another payload); otherwise (the answer of a request served before
    answers were kept with orders, or one long since dropped) the order as it is now, that
    answer committed with it."""
    if answer is not None:
        answer.check(order)
        await services.orders.save(order, answer)
    return order


def may_read(who: Principal, order: Order) -> None:
    """The buyer reads their order; so do the staff and supervisors whose scope covers a
    line's state."""
    if who.subject == order.buyer:
        return
    # a staff or supervisor hat on a donor portal's token lifts nothing (the donor gate's rule)
    staff = who.has_role(Role.ODF_STAFF, Role.PROGRAMME_SUPERVISOR) and not is_donor_portal(who)
    if staff and any(who.can_act_in_state(line.state) for line in order.lines):
        return
    raise NotFound(f"no order {order.id} of this caller")


async def order_for_buyer(
    services: Services, who: Principal, order_id: str, answer: Answering[Order] | None = None
) -> Order:
    """`answer`: the keyed request the order is read for (a retry's answer is found in it);
    its order is the copy its last request held, if any (`OrderRepository`)."""
    order = await services.orders.for_request(order_id, answer)
    if order is not None and answer is not None:
        answer.check(order)
    if order is None or order.buyer != who.subject:
        raise NotFound(f"no order {order_id} of this caller")
    return order


async def _settle(services: Services, order: Order) -> None:
    """Carry the order's state to the products' holds: sold when paid, given back when
    cancelled or expired, all its lines in one bulk write. Each hold settles once, so running
    this again completes a crash."""
    lines = [(line.product_id, line.quantity) for line in order.lines]
    if order.status in RELEASED:
        await services.stock.release_all(order.id, lines, order.reserved_until)
    elif order.status in (OrderStatus.PAID, OrderStatus.COMPLETED):
        await services.stock.sell_all(order.id, lines, order.reserved_until)


async def pay(
    services: Services, who: Principal, command: PayOrder, answer: Answering[Order] | None = None
) -> Order:
    """`answer`: the keyed request's answer, committed with the payment (or alone, for a
    repeat); the order is read once, its answer looked for in it."""
    order = await order_for_buyer(services, who, command.order_id, answer)
    now = services.now()
    if order.expire(now):
        await services.orders.save(order)
        await _settle(services, order)
    rate = None
    if order.currency != "MXN" and order.status is OrderStatus.RESERVED:
        rate = await rates.rate_for_payment(services, order.currency, now.date())
    if (
        order.pay(command.amount, command.currency or order.currency, now, rate)
        or answer is not None
    ):
        await services.orders.save(order, answer)
    await _settle(services, order)
    _held(services, order, answer)
    return order


async def cancel(
    services: Services,
    who: Principal,
    command: CancelOrder,
    answer: Answering[Order] | None = None,
) -> Order:
    order = await order_for_buyer(services, who, command.order_id, answer)
    if order.cancel(command.reason, services.now()) or answer is not None:
        await services.orders.save(order, answer)
    await _settle(services, order)
    _held(services, order, answer)
    return order


async def release(services: Services, order: Order, reason: str) -> None:
    """Cancel an unpaid order that nobody asked for any more (a purchase order's acceptance
    that lost its race to a withdrawal) and give its units back."""
    if order.cancel(reason, services.now()):
        await services.orders.save(order)
    await _settle(services, order)


async def expire_due(services: Services) -> int:
    """Release every unpaid order whose reservation ran out; how many it expired."""
    now, expired = services.now(), 0
    for order in await services.orders.reserved_until_before(now):
        if order.expire(now):
            await services.orders.save(order)
            expired += 1
        await _settle(services, order)
    return expired


#: the holds of an order settled as its state says (fulfilment.py runs it before units leave a
#: sale, so a paid order's holds are sold first)
settle = _settle
#: a keyed request's order held for the next (fulfilment.py's requests too)
held = _held
