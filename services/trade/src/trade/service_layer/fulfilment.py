"""Use cases after payment: ship a line (in parts), settle it short, return shipped units, and
the sweep of holds no order accounts for.

Stock after a sale (`StockRepository.unsell`): units settled short leave `sold` (they never
existed to ship, so they are not available again); accepted returns leave `sold` too, and come
back to `available` when restocked. The order is saved first (its events in the same write),
then the stock changes once per id (`short:<order>:<n>`, `return:<return id>`); a retry of the
same request finds the order changed and applies the stock change that a crash left undone."""

from __future__ import annotations

from datetime import timedelta

from megp_common.auth import Principal, Role, check_state
from megp_common.errors import NotFound
from trade.domain.commands import DecideReturn, FulfilLine, RequestReturn, ShortenLine
from trade.domain.errors import NotAuthorized
from trade.domain.order import RELEASED, Order, OrderLine, OrderStatus
from trade.domain.returns import ReturnStatus, decide_return, find_return, request_return
from trade.service_layer.container import Services
from trade.service_layer.orders import settle
from trade.service_layer.products import act_for_odf


async def _order(services: Services, order_id: str) -> Order:
    order = await services.orders.find(order_id)
    if order is None:
        raise NotFound(f"no order has the id {order_id}")
    return order


async def _as_line_odf(services: Services, who: Principal, line: OrderLine) -> None:
    """The ODF staff of the line's group, in its state, acting for that ODF alone [¶55, ¶94]."""
    check_state(who, line.state)
    act_for_odf(who, await services.groups.get(line.group_id))
    if not who.has_role(Role.ODF_STAFF):
        raise NotAuthorized("the producer's ODF ships the line and decides its returns")


async def fulfil(services: Services, who: Principal, command: FulfilLine) -> Order:
    order = await _order(services, command.order_id)
    await _as_line_odf(services, who, order.line(command.number))
    today = services.now().date()
    if order.fulfil(command.number, today, command.quantity, command.shipment_id):
        await services.orders.save(order)
    return order


async def shorten(services: Services, who: Principal, command: ShortenLine) -> Order:
    order = await _order(services, command.order_id)
    line = order.line(command.number)
    await _as_line_odf(services, who, line)
    if order.shorten(command.number, command.reason, services.now().date()) is not None:
        await services.orders.save(order)
    if line.shortened:
        await settle(services, order)  # a sale's holds are sold before any leaves the sale
        change = f"short:{order.id}:{line.number}"
        await services.stock.unsell(line.product_id, change, line.shortened, restock=False)
    return order


async def ask_return(
    services: Services, who: Principal, command: RequestReturn, return_id: str
) -> Order:
    order = await _order(services, command.order_id)
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
    if changed:
        await services.orders.save(order)
    return order


async def decide(services: Services, who: Principal, command: DecideReturn) -> Order:
    order = await _order(services, command.order_id)
    ret = find_return(order, command.return_id)
    line = order.line(ret.number)
    await _as_line_odf(services, who, line)
    changed = decide_return(
        order,
        command.return_id,
        accept=command.accept,
        restock=command.restock,
        reason=command.reason,
        by=who.subject,
        now=services.now(),
    )
    if changed:
        await services.orders.save(order)
    if ret.status is ReturnStatus.ACCEPTED:
        await settle(services, order)
        change = f"return:{ret.id}"
        await services.stock.unsell(line.product_id, change, ret.quantity, restock=ret.restock)
    return order


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
