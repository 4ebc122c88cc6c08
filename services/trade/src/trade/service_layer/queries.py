"""What trade's readers see: products with their public fields (price, producer share, what
is available) and an order for its buyer."""

from __future__ import annotations

from typing import Any

from megp_common.auth import Principal
from megp_common.errors import NotFound
from trade.domain.order import Order
from trade.domain.product import Product
from trade.domain.stock import StockLevel
from trade.service_layer.container import Services
from trade.service_layer.orders import may_read


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
) -> list[tuple[Product, StockLevel]]:
    query: dict[str, Any] = {}
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
