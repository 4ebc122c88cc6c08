"""Use cases on purchase orders [¶54-¶55, ¶96]: a chain or a Support Committee buyer submits one
to a group's ODF; the ODF's staff accept it (an order then holds every line's stock for days,
placed through `orders.place`, so payment, fulfilment, `SaleCompleted` and the never-oversold
guarantee are the marketplace's own) or decline it; the buyer may withdraw it before then.

Who is the buyer: a chain speaks through a token with the `participant` role (the marketplace's
buyer role; the platform has no role of its own for a shop chain) whose `organization` claim
names it; a committee buyer is a participant on the group's project Support Committee (the
token's `participant_id`, or subject), as trade learnt it from enrollment's events.

One order per purchase order: its id is derived from the purchase order's, so two staff
accepting at once, or a retry after a crash, reserve the stock once. An acceptance that loses
its race to a withdrawal or a decline gives the order's units back before it answers."""

from __future__ import annotations

from typing import Any

from megp_common.auth import Principal, Role, check_state
from megp_common.errors import Conflict, NotFound
from megp_common.ids import deterministic_id
from megp_common.mongo import ConcurrencyConflict, Shard
from megp_common.web import page_by_id
from trade.domain.commands import (
    DecidePurchaseOrder,
    ForPurchaseOrder,
    OrderItem,
    PlaceOrder,
    SubmitPurchaseOrder,
)
from trade.domain.errors import InvalidTransition, NotAuthorized, StockShort, TradeRuleViolation
from trade.domain.group import GroupRecord
from trade.domain.order import RELEASED
from trade.domain.purchase_order import (
    BuyerKind,
    LineRequest,
    PurchaseOrder,
    PurchaseOrderStatus,
    PurchaseOrderStockShort,
    Shortage,
)
from trade.domain.stock import StockLevel
from trade.service_layer import orders
from trade.service_layer.container import Services
from trade.service_layer.products import act_for_odf, group_in_scope

NONE = StockLevel(0)


def buyer_of(who: Principal, group: GroupRecord, kind: BuyerKind) -> str:
    """Whom the caller buys for: the chain's organization, or the committee participant."""
    if kind is BuyerKind.CHAIN:
        if not who.has_role(Role.PARTICIPANT) or not who.organization:
            raise NotAuthorized(
                "a chain's purchase order comes from the chain's token: the participant role "
                "and the organization claim naming the chain [¶96]",
                rule="¶96",
            )
        if who.organization == group.odf_id:
            raise NotAuthorized("an ODF does not send a purchase order to itself", rule="¶96")
        return who.organization
    participant = who.participant_id or who.subject
    if participant not in group.support_committee:
        raise NotAuthorized(
            f"the caller sits on no Support Committee of group {group.id}'s project; only its "
            "members channel purchase orders to the group as committee buyers [¶54]",
            rule="¶54",
        )
    return participant


async def submit(
    services: Services, who: Principal, command: SubmitPurchaseOrder, po_id: str
) -> PurchaseOrder:
    shard = Shard.in_scope(who.states, command.group_id)
    existing = await services.purchase_orders.find(po_id, shard)
    if existing is not None:
        return existing  # a retry after it was stored
    group = await group_in_scope(services, who, command.group_id)
    if not group.odf_id or group.state is None:
        raise TradeRuleViolation("the group has no Development Organization yet", rule="¶94")
    buyer = buyer_of(who, group, command.buyer_kind)
    lines = []
    for item in command.lines:
        product = await services.products.find(item.product_id, Shard(group.state, group.id))
        if product is None:
            raise NotFound(f"no product has the id {item.product_id}")
        lines.append(LineRequest(product, item.quantity, item.deliver_on, item.unit_price))
    po = PurchaseOrder.receive(
        id=po_id,
        group_id=group.id,
        odf_id=group.odf_id,
        state=group.state,
        buyer_kind=command.buyer_kind,
        buyer=buyer,
        submitted_by=who.subject,
        lines=lines,
        now=services.now(),
        horizon_days=services.settings.purchase_order_horizon_days,
    )
    try:
        await services.purchase_orders.add(po)
    except Conflict:  # a concurrent retry stored it first
        return await services.purchase_orders.get(po_id, Shard(group.state, group.id))
    return po


def is_buyer(who: Principal, po: PurchaseOrder) -> bool:
    return po.is_buyer(who.subject, who.participant_id, who.organization)


async def in_scope(services: Services, who: Principal, po_id: str) -> PurchaseOrder:
    po = await services.purchase_orders.find(po_id, Shard.in_scope(who.states))
    if po is None:
        raise NotFound(f"no purchase order has the id {po_id}")
    check_state(who, po.state)
    return po


async def _odf_deciding(services: Services, who: Principal, po: PurchaseOrder) -> GroupRecord:
    """[¶55] first (the buyer, a committee member, a donor, a lender), then the ODF's staff."""
    group = await services.groups.get(po.group_id, Shard(po.state))
    po.may_decide(
        who.role_names(), who.participant_id, group.support_committee, is_buyer=is_buyer(who, po)
    )
    act_for_odf(who, group)
    if not who.has_role(Role.ODF_STAFF):
        raise NotAuthorized(
            f"only group {group.id}'s Development Organization accepts or declines its purchase "
            "orders [¶55]",
            rule="¶55",
        )
    return group


async def accept(services: Services, who: Principal, po_id: str) -> PurchaseOrder:
    po = await in_scope(services, who, po_id)
    await _odf_deciding(services, who, po)
    po.check_received("accepted")
    command = PlaceOrder(
        items=tuple(OrderItem(x.product_id, x.quantity, x.unit_price) for x in po.lines),
        purchase_order=ForPurchaseOrder(
            po.id, po.submitted_by, services.purchase_order_reservation
        ),
    )
    try:
        order = await orders.place(
            services, who, command, deterministic_id("trade.purchase-order", po.id)
        )
    except StockShort:
        levels = await services.stock.levels([x.product_id for x in po.lines])
        raise PurchaseOrderStockShort(
            po.id,
            [
                Shortage(x.product_id, x.quantity, levels.get(x.product_id, NONE).available)
                for x in po.lines
            ],
        ) from None
    if order.status in RELEASED:
        raise InvalidTransition(
            f"the order {order.id} an earlier acceptance of purchase order {po.id} placed is "
            f"{order.status.value}; the buyer sends the request again"
        )
    po.accept(order.id, order.reserved_until, who.subject, services.now())
    try:
        await services.purchase_orders.save(po)
    except ConcurrencyConflict:
        fresh = await services.purchase_orders.find(po.id, Shard(po.state, po.group_id))
        if fresh is None or fresh.order_id != order.id:  # withdrawn or declined meanwhile
            await orders.release(services, order, f"purchase order {po.id} was not accepted")
        raise
    return po


async def decline(
    services: Services, who: Principal, command: DecidePurchaseOrder
) -> PurchaseOrder:
    po = await in_scope(services, who, command.purchase_order_id)
    await _odf_deciding(services, who, po)
    po.decline(command.reason, who.subject, services.now())
    await services.purchase_orders.save(po)
    return po


async def withdraw(
    services: Services, who: Principal, command: DecidePurchaseOrder
) -> PurchaseOrder:
    po = await in_scope(services, who, command.purchase_order_id)
    if not is_buyer(who, po):
        raise NotAuthorized(f"only purchase order {po.id}'s buyer withdraws it")
    po.withdraw(command.reason, services.now())
    await services.purchase_orders.save(po)
    return po


def _oversees(who: Principal, po: PurchaseOrder) -> bool:
    return who.has_role(Role.ODF_STAFF, Role.PROGRAMME_SUPERVISOR) and who.can_act_in_state(
        po.state
    )


async def purchase_order(services: Services, who: Principal, po_id: str) -> PurchaseOrder:
    """Its buyer reads it; so do staff and supervisors whose scope covers the group's state."""
    po = await in_scope(services, who, po_id)
    if not (is_buyer(who, po) or _oversees(who, po)):
        raise NotFound(f"no purchase order {po_id} of this caller")
    return po


async def of_group(
    services: Services,
    who: Principal,
    group_id: str,
    *,
    status: PurchaseOrderStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[PurchaseOrder], str | None]:
    """A group's purchase orders: all of them for its state's staff and supervisors, a buyer's
    own for anyone else."""
    group = await group_in_scope(services, who, group_id)
    query: dict[str, Any] = {"group_id": group.id}
    if status is not None:
        query["status"] = status.value
    overseer = who.has_role(Role.ODF_STAFF, Role.PROGRAMME_SUPERVISOR)
    if not overseer:
        mine = {who.subject, who.participant_id, who.organization} - {None}
        query["buyer"] = {"$in": sorted(x for x in mine if x)}
    found, next_cursor = await page_by_id(
        services.purchase_orders, query, cursor=cursor, limit=limit, scalar_eq=True
    )
    return [po for po in found if overseer or is_buyer(who, po)], next_cursor
