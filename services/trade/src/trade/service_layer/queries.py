"""What trade's readers see: products with their public fields (price, producer share, what
is available), an order for its buyer, and purchasing rounds with their savings."""

from __future__ import annotations

from typing import Any

from megp_common import decisions
from megp_common.auth import Principal, Role, check_state, state_filter
from megp_common.auth.donors import is_donor_portal
from megp_common.errors import NotFound
from megp_common.mongo import Shard
from megp_common.refusals import DecisionRefused
from trade.domain.order import Order
from trade.domain.product import Product
from trade.domain.purchasing import PurchasingRound, SavingsReport
from trade.domain.stock import StockLevel
from trade.service_layer.container import Services
from trade.service_layer.orders import may_read
from trade.service_layer.rounds import round_in_scope


def sees_held(who: Principal, product: Product) -> bool:
    """A held listing (its invention not cleared yet) is the ODF's alone: its staff, in scope,
    acting for the ODF only (no outsider's hat on the same token [¶55])."""
    if not who.has_role(Role.ODF_STAFF) or not who.can_act_in_state(product.state):
        return False
    try:
        decisions.staff_acting_for_group(who.role_names())
    except DecisionRefused:
        return False
    return who.organization is None or who.organization == product.odf_id


def _held_filter(who: Principal) -> dict[str, Any]:
    """The store's side of `sees_held`: products on sale, or held ones this caller may see."""
    shown: dict[str, Any] = {"listing_status": {"$ne": "held"}}
    try:
        decisions.staff_acting_for_group(who.role_names())
    except DecisionRefused:
        return shown
    if not who.has_role(Role.ODF_STAFF):
        return shown
    theirs = state_filter(who)
    if who.organization is not None:
        theirs["odf_id"] = who.organization
    return {"$or": [shown, theirs]} if theirs else {}


async def product(
    services: Services, product_id: str, who: Principal
) -> tuple[Product, StockLevel]:
    """Anyone signed in reads a product and its producer share [¶97-¶98]; a held one only
    its ODF's staff (for everyone else it is not there yet). A donor portal reads the
    products of its community's state only (its token's states, `megp_common.auth.donors`)."""
    found = await services.products.find(product_id, Shard.in_scope(who.states))
    if found is None or (found.held and not sees_held(who, found)):
        raise NotFound(f"no product has the id {product_id}")
    if is_donor_portal(who):
        check_state(who, found.state)
    return found, await services.stock.level(product_id)


async def products(
    services: Services,
    *,
    group_id: str | None = None,
    state: str | None = None,
    category: str | None = None,
    limit: int = 100,
    include_withdrawn: bool = False,
    who: Principal | None = None,
) -> list[tuple[Product, StockLevel]]:
    """Products on sale; held ones (the listing guard) only for their ODF's staff; to a donor
    portal, those of its token's states (asking for another state is a 403)."""
    query: dict[str, Any] = {} if include_withdrawn else {"withdrawn": {"$ne": True}}
    if who is None:
        query["listing_status"] = {"$ne": "held"}
    else:
        query |= _held_filter(who)
    if who is not None and is_donor_portal(who):
        query |= state_filter(who, state)
    for name, value in (("group_id", group_id), ("state", state), ("category", category)):
        if value is not None:
            query[name] = value
    found = await services.products.find_many(query, sort=[("_id", 1)], limit=limit, scalar_eq=True)
    levels = await services.stock.levels([p.id for p in found])
    return [(p, levels.get(p.id, StockLevel(0))) for p in found]


async def order(services: Services, who: Principal, order_id: str) -> Order:
    found = await services.orders.find(order_id)
    if found is None:
        raise NotFound(f"no order has the id {order_id}")
    may_read(who, found)
    return found


async def purchasing_round(services: Services, who: Principal, round_id: str) -> PurchasingRound:
    """A round, its demands, quotes and allocations, for readers whose scope covers its state."""
    return await round_in_scope(services, who, round_id)


async def round_savings(services: Services, who: Principal, round_id: str) -> SavingsReport:
    """What the round saved its members against each buying alone (409 before a choice)."""
    return (await round_in_scope(services, who, round_id)).savings()
