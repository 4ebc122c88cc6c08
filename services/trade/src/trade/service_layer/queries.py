"""What trade's readers see: products with their public fields (price, producer share, what
is available), an order for its buyer, and purchasing rounds with their savings."""

from __future__ import annotations

from typing import Any

from megp_common.auth import Principal
from megp_common.errors import NotFound
from trade.domain.order import Order
from trade.domain.product import Product
from trade.domain.purchasing import PurchasingRound, SavingsReport
from trade.domain.stock import StockLevel
from trade.service_layer.container import Services
from trade.service_layer.orders import may_read
from trade.service_layer.rounds import round_in_scope


async def product(services: Services, product_id: str) -> tuple[Product, StockLevel]:
    """Anyone signed in reads a product and its producer share [¶97-¶98]."""
    found = await services.products.find(product_id)
    if found is None:
        raise NotFound(f"no product has the id {product_id}")
    return found, await services.stock.level(product_id)


async def products(
    services: Services,
    *,
    group_id: str | None = None,
    state: str | None = None,
    category: str | None = None,
    limit: int = 100,
    include_withdrawn: bool = False,
) -> list[tuple[Product, StockLevel]]:
    query: dict[str, Any] = {} if include_withdrawn else {"withdrawn": {"$ne": True}}
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
