"""Use cases after payment: ship a line (in parts), settle it short, return shipped units, and
the sweep of holds no order accounts for.

Stock after a sale (`StockRepository.unsell`): units settled short leave `sold` (they never
existed to ship, so they are not available again); accepted returns leave `sold` too, and come
back to `available` when restocked. The order is saved first (its events in the same write),
then the stock changes once per id (`short:<order>:<n>`, `return:<return id>`); a retry of the
same request finds the order changed and applies the stock change that a crash left undone."""

from __future__ import annotations

from datetime import timedelta

from megp_common.answers import Answering
from megp_common.auth import Principal, Role
from megp_common.errors import NotFound
from megp_common.refusals import Forbidden
from megp_common.web import page_by_id
from trade.domain.commands import (
    DecideReturn,
    FulfilLine,
    FulfilOrder,
    RequestReturn,
    ShortenLine,
)
from trade.domain.errors import NotAuthorized, TradeRuleViolation
from trade.domain.order import RELEASED, Order, OrderLine, OrderStatus
from trade.domain.returns import ReturnStatus, decide_return, find_return, request_return
from trade.service_layer.container import Services
from trade.service_layer.orders import held, settle
from trade.service_layer.products import act_for_group_odf, act_for_odf, group_in_scope


async def _order(
    services: Services, order_id: str, answer: Answering[Order] | None = None
) -> Order:
    """`answer`: the keyed request the order is read for (a retry's answer is found in it);
    its order is the copy its last request held, if any (`OrderRepository`)."""
    order = await services.orders.for_request(order_id, answer)
    if order is not None and answer is not None:
        answer.check(order)
    if order is None:
        raise NotFound(f"no order has the id {order_id}")
    return order


def _as_line_odf(who: Principal, line: OrderLine) -> None:
    """The ODF staff of the line's group, in its state, acting for that ODF alone [¶55, ¶94].
    The line names both as its group has them: a group's state is the one it formed in and its
    ODF is registered once (enrollment refuses a second, and the ODF's id is made from the
    group's), and the line copied them from its product, which copied them from the group when
    it was listed; so no group is read for it (a group record holds every member)."""
    act_for_group_odf(who, line.group_id, line.state, line.odf_id)
    if not who.has_role(Role.ODF_STAFF):
        raise NotAuthorized("the producer's ODF ships the line and decides its returns")


async def fulfil(
    services: Services,
    who: Principal,
    command: FulfilLine,
    answer: Answering[Order] | None = None,
) -> Order:
    """`answer` (here and below): the keyed request's answer, committed with the order
    (megp_common.answers), alone when the request changes nothing."""
    order = await _order(services, command.order_id, answer)
    _as_line_odf(who, order.line(command.number))
    today = services.now().date()
    changed = order.fulfil(command.number, today, command.quantity, command.shipment_id)
    if changed or answer is not None:
        await services.orders.save(order, answer)
    held(services, order, answer)
    return order


async def fulfil_order(
    services: Services,
    who: Principal,
    command: FulfilOrder,
    answer: Answering[Order] | None = None,
) -> Order:
    """The ODF ships, in one commit, every unit still open of the order's lines it may ship
    (those of its own groups, in its states: the rule of one line's shipment, line by line).
    An order of one group's products, what a marketplace order usually is, ships whole in one
    request instead of one per line. Lines settled already are left as they are; refused when
    none of the order's lines is the caller's to ship, with the first line's reason; with a
    group, the lines of its products alone (404 when the order has none)."""
    order = await _order(services, command.order_id, answer)
    lines = [x for x in order.lines if command.group_id in (None, x.group_id)]
    if not lines:
        raise NotFound(f"order {order.id} has no line of group {command.group_id}")
    mine, refusal = [], None
    for line in lines:
        try:
            _as_line_odf(who, line)
        except Forbidden as refused:
            refusal = refusal or refused
        else:
            mine.append(line)
    if not mine:
        assert refusal is not None  # an order has at least one line
        raise refusal
    today, changed = services.now().date(), False
    for line in mine:
        if not line.settled:
            shipment = f"{command.shipment_id}:{line.number}" if command.shipment_id else None
            changed = order.fulfil(line.number, today, None, shipment) or changed
    if changed or answer is not None:
        await services.orders.save(order, answer)
    held(services, order, answer)
    return order


async def shorten(
    services: Services,
    who: Principal,
    command: ShortenLine,
    answer: Answering[Order] | None = None,
) -> Order:
    order = await _order(services, command.order_id, answer)
    line = order.line(command.number)
    _as_line_odf(who, line)
    changed = order.shorten(command.number, command.reason, services.now().date()) is not None
    if changed or answer is not None:
        await services.orders.save(order, answer)
    await after_shortening(services, order, command.number)
    held(services, order, answer)
    return order


async def after_shortening(services: Services, order: Order, number: int) -> None:
    """The stock side of a line settled short (once per line: a retry, or a replay, completes
    a crash after the order's commit)."""
    line = order.line(number)
    if line.shortened:
        await settle(services, order)  # a sale's holds are sold before any leaves the sale
        change = f"short:{order.id}:{line.number}"
        await services.stock.unsell(line.product_id, change, line.shortened, restock=False)


async def ask_return(
    services: Services,
    who: Principal,
    command: RequestReturn,
    return_id: str,
    answer: Answering[Order] | None = None,
) -> Order:
    order = await _order(services, command.order_id, answer)
    if order.buyer != who.subject:
        raise NotAuthorized("only the order's buyer returns its units")
    window = timedelta(days=services.settings.return_days)
    changed = request_return(
        order,
        return_id=return_id,
        number=command.number,
        quantity=command.quantity,
        reason=command.reason,
        now=services.now(),
        window=window,
    )
    if changed or answer is not None:
        await services.orders.save(order, answer)
    held(services, order, answer)
    return order


async def decide(
    services: Services,
    who: Principal,
    command: DecideReturn,
    answer: Answering[Order] | None = None,
) -> Order:
    order = await _order(services, command.order_id, answer)
    ret = find_return(order, command.return_id)
    line = order.line(ret.number)
    _as_line_odf(who, line)
    changed = decide_return(
        order,
        command.return_id,
        accept=command.accept,
        restock=command.restock,
        reason=command.reason,
        by=who.subject,
        now=services.now(),
    )
    if changed or answer is not None:
        await services.orders.save(order, answer)
    await after_decision(services, order, command.return_id)
    held(services, order, answer)
    return order


async def after_decision(services: Services, order: Order, return_id: str) -> None:
    """The stock side of an accepted return (once per return: a retry, or a replay,
    completes a crash after the order's commit)."""
    ret = find_return(order, return_id)
    if ret.status is ReturnStatus.ACCEPTED:
        await settle(services, order)
        change = f"return:{ret.id}"
        line = order.line(ret.number)
        await services.stock.unsell(line.product_id, change, ret.quantity, restock=ret.restock)


async def sweep_orphan_holds(services: Services) -> int:
    """Give back the holds whose expiry passed and that no order accounts for: a crash between
    reserving and storing the order left them. An order found settles its holds as its state
    says (paid: sold; unpaid past its time: expired and released). How many it released."""
    now, released = services.now(), 0
    for doc in await services.stock.due_holds(now):
        product_id: str = doc["_id"]
        for order_id, hold in dict(doc.get("holds") or {}).items():
            if hold["until"] > now:
                continue
            order = await services.orders.find(order_id)
            lines = [x for x in order.lines if x.product_id == product_id] if order else []
            if order is None or order.status in RELEASED or not lines:
                quantity, until = int(hold["quantity"]), hold["until"]
                if await services.stock.release(product_id, order_id, quantity, until):
                    released += 1
                continue
            if order.status is OrderStatus.RESERVED and order.expire(now):
                await services.orders.save(order)
            await settle(services, order)
        due = [e for e in doc.get("hold_expiries", []) if e["until"] <= now]
        if due:  # dealt with above, or left by a hold given back without its expiry
            await services.stock.forget_expiries(product_id, due)
    return released


#: what `orders_to_fulfil` lists: the orders still to ship (paid) or those done (completed)
FULFILMENT_STATUSES = (OrderStatus.PAID, OrderStatus.COMPLETED)


async def orders_to_fulfil(
    services: Services,
    who: Principal,
    group_id: str,
    *,
    status: OrderStatus,
    cursor: str | None,
    limit: int,
) -> tuple[list[Order], str | None]:
    """Customers' orders with a line of the group's products, by status (paid: still to ship;
    completed: every line settled), in `_id` order: for the group's ODF staff (acting for it
    alone) and the programme supervisors of its state. Each order keeps only the group's lines
    (another group's lines of the same order are its own ODF's business)."""
    group = await group_in_scope(services, who, group_id)
    if who.has_role(Role.ODF_STAFF):
        act_for_odf(who, group)
    elif not who.has_role(Role.PROGRAMME_SUPERVISOR):
        raise NotAuthorized("a group's orders to fulfil are for its ODF staff and supervisors")
    if status not in FULFILMENT_STATUSES:
        raise TradeRuleViolation("orders to fulfil are paid or completed ones")
    query = {"lines.group_id": group.id, "status": status.value}
    found, next_cursor = await page_by_id(services.orders, query, cursor=cursor, limit=limit)
    return [_only_lines_of(order, group.id) for order in found], next_cursor


def _only_lines_of(order: Order, group_id: str) -> Order:
    mine = {line.number for line in order.lines if line.group_id == group_id}
    return order.model_copy(
        update={
            "lines": [line for line in order.lines if line.number in mine],
            "returns": [r for r in order.returns if r.number in mine],
        }
    )
